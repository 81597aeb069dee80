// Writes one batch in one transaction: messages as the correlator judged them (with their
// opaque state while open), recipients, notifications, raw lines, SMTP-time rejects, line
// counters, unknown samples, learnt local domains and the read positions of the inputs. All of
// it commits together or not at all. It judges nothing: records arrive finished (src/ingest).
import type { Db } from './db.ts';
import type { IngestState, MessageWrite, SavedMessage, WriteBatch, WriteResult } from '../types.ts';

const MAX_SAMPLES = 1000;

const MESSAGE_COLUMNS = [
  'mta', 'host', 'queue_id', 'queue_ids', 'message_id', 'origin', 'received_at', 'last_at', 'client_ip', 'client_name',
  'helo', 'authenticated', 'remote', 'sender', 'sender_domain', 'outcome', 'ndr_queue_id', 'ndr_to', 'ndr_fate',
  'ndr_count', 'backscatter', 'delay_backscatter', 'state',
] as const;

export class Writer {
  private readonly stmts;
  private samples: number;

  constructor(private readonly db: Db) {
    this.stmts = {
      // Parameters are positional, in MESSAGE_COLUMNS order (id last for the update): named
      // ones cost more.
      insert: db.prepare(`INSERT INTO messages (${MESSAGE_COLUMNS.join(', ')})
        VALUES (${MESSAGE_COLUMNS.map(() => '?').join(', ')})`),
      update: db.prepare(`UPDATE messages SET ${MESSAGE_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`),
      delRcpts: db.prepare('DELETE FROM recipients WHERE message = ?'),
      insRcpt: db.prepare(`INSERT INTO recipients (message, seq, address, orig_address, status, dsn, cause, reason, relay)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      delNotes: db.prepare('DELETE FROM notifications WHERE message = ?'),
      insNote: db.prepare('INSERT INTO notifications (message, seq, queue_id, type, rcpt, fate, cause, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      insLines: db.prepare('INSERT INTO message_lines (message, chunk) VALUES (?, ?)'),
      moveLines: db.prepare('UPDATE message_lines SET message = ? WHERE message = ?'),
      delMessage: db.prepare('DELETE FROM messages WHERE id = ?'),
      delLines: db.prepare('DELETE FROM message_lines WHERE message = ?'),
      insReject: db.prepare(`INSERT INTO smtp_rejects (time, mta, host, queue_id, action, stage, by_program, client_ip,
        client_name, helo, sender, recipient, code, dsn, cause, reason, line)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      count: db.prepare(`INSERT INTO line_counts (hour, total, mail, unknown, other) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (hour) DO UPDATE SET total = total + excluded.total, mail = mail + excluded.mail,
        unknown = unknown + excluded.unknown, other = other + excluded.other`),
      sample: db.prepare('INSERT INTO unknown_samples (program, line, seen_at) VALUES (?, ?, ?)'),
      domain: db.prepare("INSERT OR IGNORE INTO local_domains (domain, source) VALUES (?, 'learnt')"),
      unflag: db.prepare(`UPDATE messages SET backscatter = 0, delay_backscatter = 0
        WHERE sender_domain = ? AND (backscatter = 1 OR delay_backscatter > 0)`),
      spill: db.prepare('INSERT INTO spilled_messages (message, deadline, state) VALUES (?, ?, ?)'),
      dropState: db.prepare('UPDATE messages SET state = NULL WHERE id = ?'),
      // A queue id reused by a newer message (Postfix reuses them) points at the newer one.
      spillQid: db.prepare('INSERT OR REPLACE INTO spilled_queue_ids (host, queue_id, message) VALUES (?, ?, ?)'),
      unspill: db.prepare('DELETE FROM spilled_messages WHERE message = ?'),
      delSource: db.prepare('DELETE FROM file_positions WHERE fingerprint = ?'),
      source: db.prepare(`INSERT INTO file_positions (fingerprint, fp_len, path, offset, lines, updated_at, year_state) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (fingerprint) DO UPDATE SET fp_len = excluded.fp_len, path = excluded.path, offset = excluded.offset,
        lines = excluded.lines, updated_at = excluded.updated_at, year_state = excluded.year_state`),
      identity: db.prepare(`UPDATE file_positions SET dev = ?, ino = ?, birth_ms = ?, size = ? WHERE fingerprint = ?`),
      checkpoint: db.prepare(`INSERT INTO follow_checkpoints (path, source, since, looked_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (path) DO UPDATE SET source = excluded.source, looked_at = excluded.looked_at`),
      gap: db.prepare('INSERT INTO follower_gaps (at, path, file, reason, bytes, lines_read, did) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      // A sequence's number only grows: an older entry (a re-import) never moves it back.
      journal: db.prepare(`INSERT INTO journal_positions (source, seqnum_id, seqnum, cursor, realtime_us, updated_at)
        VALUES (@source, @seqnumId, @seqnum, @cursor, @realtimeUs, @now)
        ON CONFLICT (source, seqnum_id) DO UPDATE SET seqnum = excluded.seqnum, cursor = excluded.cursor,
          realtime_us = excluded.realtime_us, updated_at = excluded.updated_at
        WHERE excluded.seqnum > journal_positions.seqnum`),
      clock: db.prepare(`INSERT INTO ingest_clock (id, now, last_line_at, last_time) VALUES (1, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET now = excluded.now, last_line_at = excluded.last_line_at, last_time = excluded.last_time`),
    };
    this.samples = (db.prepare('SELECT count(*) AS n FROM unknown_samples').get() as { n: number }).n;
  }

  /**
   * Writes a batch atomically and returns the id of each of its messages. BEGIN IMMEDIATE takes
   * the write lock before any statement runs, so when another writer holds it the batch fails as
   * busy before anything was written, and the same batch can be written again later.
   */
  write(batch: WriteBatch): WriteResult {
    return this.db.transaction(() => this.writeInTx(batch)).immediate();
  }

  private writeInTx(b: WriteBatch): WriteResult {
    const s = this.stmts;
    const ids: number[] = [];
    for (const m of b.messages) ids.push(this.writeMessage(m));
    for (const o of b.spillOnly) {
      // Its row is up to date: the state moves to the spill, out of what start-up loads.
      s.dropState.run(o.id);
      this.spill(o.id, o.host, o.deadline, o.qids, o.state);
    }
    for (const d of b.dropped) {
      if (d.fromSpill) s.unspill.run(d.id);
      s.delLines.run(d.id);
      s.delMessage.run(d.id);
    }
    for (const r of b.rejects) {
      s.insReject.run(r.time, r.mta, r.host, r.qid, r.action, r.stage, r.by, r.clientIp, r.clientName, r.helo, r.sender,
        r.recipient, r.code, r.dsn, r.cause, r.reason, r.line);
    }
    for (const [hour, c] of b.counts) s.count.run(hour, c.total, c.mail, c.unknown, c.other);
    for (const u of b.unknownSamples) {
      if (this.samples >= MAX_SAMPLES) break;
      s.sample.run(u.program, u.line, u.at);
      this.samples++;
    }
    for (const d of b.learnedDomains) {
      s.domain.run(d);
      s.unflag.run(d);
    }
    for (const p of b.positions) {
      if (!p.checkpoint?.absent) {
        if (p.replaces !== undefined && p.replaces !== p.fingerprint) s.delSource.run(p.replaces);
        s.source.run(p.fingerprint, p.fpLen, p.path, p.offset, p.lines, Date.now(), p.yearState ?? null);
        if (p.ino !== undefined) s.identity.run(p.dev ?? null, p.ino, p.birthMs ?? null, p.size ?? null, p.fingerprint);
      }
      if (p.checkpoint) s.checkpoint.run(p.checkpoint.path, p.checkpoint.absent ? null : p.fingerprint, p.checkpoint.since, Date.now());
      for (const g of p.gaps ?? []) s.gap.run(Date.now(), g.path, g.file, g.reason, g.bytes, g.linesRead, g.did);
    }
    for (const j of b.journal ?? []) s.journal.run({ ...j, now: Date.now() });
    s.clock.run(b.clock.now, b.clock.lastLineAt, b.clock.lastTime);
    return { ids };
  }

  private spill(id: number, host: string, deadline: number, qids: string[], state: string): void {
    const s = this.stmts;
    s.unspill.run(id);
    s.spill.run(id, deadline, state);
    for (const q of qids) s.spillQid.run(host, q, id);
  }

  private writeMessage(m: MessageWrite): number {
    const s = this.stmts;
    const rec = m.record;
    // Back from the spill (in memory again, or finished): its spill rows go.
    if (m.fromSpill && m.id !== undefined) s.unspill.run(m.id);
    const values = [
      rec.mta, rec.host, rec.queue_id, JSON.stringify(rec.queue_ids), rec.message_id, rec.origin, m.firstAt, m.lastAt,
      rec.client_ip, rec.client_name, rec.helo, rec.authenticated ? 1 : 0, rec.remote ? 1 : 0, rec.sender,
      m.senderDomain, rec.outcome, rec.ndr?.queue_id ?? null, rec.ndr?.to ?? null,
      rec.ndr?.fate ?? null, m.ndrCount, rec.backscatter ? 1 : 0, m.delayBackscatter,
      m.spill ? null : m.state,
    ];
    let id = m.id;
    if (id === undefined) {
      id = Number(s.insert.run(values).lastInsertRowid);
    } else {
      s.update.run(...values, id);
      s.delRcpts.run(id);
      s.delNotes.run(id);
    }
    rec.notifications.forEach((n, i) => s.insNote.run(id, i, n.queue_id, n.type, n.to, n.fate, n.cause, n.reason));
    rec.recipients.forEach((r, i) =>
      s.insRcpt.run(id, i, r.address, r.orig_address, r.status, r.dsn, r.cause, r.reason, m.relays[i] ?? null),
    );
    for (const old of m.absorbed) {
      s.moveLines.run(id, old);
      s.delMessage.run(old);
    }
    if (m.lines !== null) s.insLines.run(id, m.lines);
    if (m.spill) this.spill(id, rec.host, m.spill.deadline, m.spill.qids, m.spill.state);
    return id;
  }
}

/** Open messages saved by an earlier run (spilled ones stay on disk until a line asks for them). */
export function loadOpenMessages(db: Db): SavedMessage[] {
  return db.prepare('SELECT id, state FROM messages WHERE state IS NOT NULL ORDER BY id').all() as SavedMessage[];
}

/** The clocks as the last batch left them (none in a new database). */
export function loadClock(db: Db): IngestState['clock'] {
  const r = db.prepare('SELECT now, last_line_at, last_time FROM ingest_clock WHERE id = 1').get() as
    | { now: number; last_line_at: number; last_time: number | null }
    | undefined;
  return r ? { now: r.now, lastLineAt: r.last_line_at, lastTime: r.last_time } : undefined;
}

export function loadLocalDomains(db: Db): string[] {
  return (db.prepare('SELECT domain FROM local_domains').all() as { domain: string }[]).map((r) => r.domain);
}
