// One agent's read positions, clock and open messages as stored in PostgreSQL (the writer
// writes them with each batch): the same answers as src/store/sqlite/positions.ts and
// writer.ts's loaders, for this agent only.
import { checkpointOf, knownFileOf, type CheckpointRow, type KnownFileRow } from '../sqlite/positions.ts';
import type { IngestState, JournalPosition, KnownFile, SavedCheckpoint, SavedMessage } from '../types.ts';
import type { Queryable } from './pg.ts';
import { all, one } from './sql.ts';

export async function knownFiles(q: Queryable, agent: string): Promise<KnownFile[]> {
  const rows = await all<KnownFileRow>(q, `SELECT
      fingerprint,
      fp_len,
      "offset",
      lines,
      year_state
    FROM file_positions
    WHERE agent = @agent AND fp_len > 0`, { agent });
  return rows.map(knownFileOf);
}

export async function loadCheckpoint(q: Queryable, agent: string, path: string): Promise<SavedCheckpoint | undefined> {
  const row = await one<CheckpointRow>(q, `SELECT
      c.since,
      c.looked_at,
      s.fingerprint,
      s.fp_len,
      s."offset",
      s.lines,
      s.path,
      s.dev,
      s.ino,
      s.birth_ms,
      s.size
    FROM follow_checkpoints c LEFT JOIN file_positions s ON s.agent = c.agent AND s.fingerprint = c.source
    WHERE c.agent = @agent AND c.path = @path`, { agent, path });
  return checkpointOf(row);
}

export async function journalPositions(q: Queryable, agent: string): Promise<JournalPosition[]> {
  return all<JournalPosition>(q, `SELECT
      source,
      seqnum_id AS "seqnumId",
      seqnum,
      cursor,
      realtime_us AS "realtimeUs"
    FROM journal_positions
    WHERE agent = @agent
    ORDER BY realtime_us DESC, source, seqnum_id`, { agent });
}

export async function ingestState(q: Queryable, agent: string): Promise<IngestState> {
  const open = await all<SavedMessage>(q, 'SELECT id, state FROM messages WHERE agent = @agent AND state IS NOT NULL ORDER BY id', { agent });
  const clock = await one<{ now: number; last_line_at: number; last_time: number | null }>(q,
    'SELECT now, last_line_at, last_time FROM ingest_clock WHERE agent = @agent', { agent });
  const learnedDomains = (await all<{ domain: string }>(q, 'SELECT domain FROM local_domains')).map((r) => r.domain);
  return { open, clock: clock ? { now: clock.now, lastLineAt: clock.last_line_at, lastTime: clock.last_time } : undefined, learnedDomains };
}

/** How many of this agent's messages are in the spill. */
export async function spilledCount(q: Queryable, agent: string): Promise<number> {
  return (await one<{ n: number }>(q, 'SELECT count(*)::bigint AS n FROM spilled_messages WHERE agent = @agent', { agent }))!.n;
}
