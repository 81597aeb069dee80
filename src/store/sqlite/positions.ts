// Read positions as stored: each known file's row (its fingerprint, how far it was read) and
// each followed path's checkpoint. Matching a file's head to a fingerprint is the inputs'
// job (src/inputs/fingerprint.ts): this module only keeps what they hand over (the writer
// writes the rows with each batch).
import type { Db } from './db.ts';
import type { JournalPosition, KnownFile, SavedCheckpoint } from '../types.ts';

/** A file_positions row as both backends store it. */
export interface KnownFileRow {
  fingerprint: string;
  fp_len: number;
  offset: number;
  lines: number;
  year_state: number | null;
}

export const knownFileOf = (r: KnownFileRow): KnownFile => ({
  fingerprint: r.fingerprint, offset: r.offset, fpLen: r.fp_len, lines: r.lines, ...(r.year_state !== null ? { yearState: r.year_state } : {}),
});

/** A checkpoint row joined with its file's position (none: the path had no file). */
export interface CheckpointRow {
  since: number;
  looked_at: number;
  fingerprint: string | null;
  fp_len: number;
  offset: number;
  lines: number;
  path: string;
  dev: number | null;
  ino: number | null;
  birth_ms: number | null;
  size: number | null;
}

export function checkpointOf(row: CheckpointRow | undefined): SavedCheckpoint | undefined {
  if (!row) return undefined;
  const { since, looked_at: lookedAt, fingerprint } = row;
  if (fingerprint === null) return { since, lookedAt };
  return {
    since, lookedAt,
    file: { fingerprint, fpLen: row.fp_len, offset: row.offset, lines: row.lines, path: row.path, dev: row.dev, ino: row.ino, birthMs: row.birth_ms, size: row.size },
  };
}

/** Every file saved with content (fp_len > 0), to be matched by its head. */
export function knownFiles(db: Db): KnownFile[] {
  const rows = db.prepare(`SELECT
      fingerprint,
      fp_len,
      offset,
      lines,
      year_state
    FROM file_positions
    WHERE fp_len > 0`).all() as KnownFileRow[];
  return rows.map(knownFileOf);
}

/** The checkpoint the last run of `serve` committed for a followed path; none on a first start. */
export function loadCheckpoint(db: Db, path: string): SavedCheckpoint | undefined {
  const row = db.prepare(`SELECT
      c.since,
      c.looked_at,
      s.fingerprint,
      s.fp_len,
      s.offset,
      s.lines,
      s.path,
      s.dev,
      s.ino,
      s.birth_ms,
      s.size
    FROM follow_checkpoints c LEFT JOIN file_positions s ON s.fingerprint = c.source
    WHERE c.path = @path`).get({ path }) as CheckpointRow | undefined;
  return checkpointOf(row);
}

/** Gaps the followers reported (lines they could not read), by reason. */
export function countGaps(db: Db): Record<string, number> {
  const rows = db.prepare('SELECT reason, count(*) AS n FROM follower_gaps GROUP BY reason').all() as { reason: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
}

/** Every journal position committed, newest entry first. */
export function journalPositions(db: Db): JournalPosition[] {
  return db.prepare(`SELECT
      source,
      seqnum_id AS seqnumId,
      seqnum,
      cursor,
      realtime_us AS realtimeUs
    FROM journal_positions
    ORDER BY realtime_us DESC, source, seqnum_id`).all() as JournalPosition[];
}
