// Writes one batch in one transaction: changed messages (with their correlator state while
// open), recipients, raw lines, SMTP-time rejects, line counters, unknown samples, learnt local
// domains and the read position of the source. All of it commits together or not at all.
import { classify } from '../correlate/causes.ts';
import { domainOf, toRecord, type Judge } from '../correlate/record.ts';
import type { Drained } from '../correlate/tracker.ts';
import type { Trace } from '../correlate/trace.ts';
import type { Db } from './db.ts';

export interface LineCounts {
  total: number;
  mail: number;
  unknown: number;
  other: number;
}

export interface SourcePosition {
  fingerprint: string;
  fpLen: number;
  path: string;
  offset: number;
  lines: number;
  /** A shorter fingerprint of the same file, from before it grew: its row is replaced. */
  replaces?: string;
}

export interface Batch {
  drained: Drained;
  /** Counters by hour start (ms). */
  counts: Map<number, LineCounts>;
  unknownSamples: { program: string | null; line: string; at: number | null }[];
  /** Read positions reached by this batch, committed with its rows. */
  sources: SourcePosition[];
}

const MAX_SAMPLES = 1000;

/** Correlator state to save: everything but what is written elsewhere. */
function stateJson(t: Trace): string {
  return JSON.stringify(t, (k, v) => (k === 'lines' || k === 'row' || k === 'absorbed' ? undefined : v));
}

export class Writer {
  private readonly stmts;
  private samples: number;

  constructor(private readonly db: Db, private readonly judge: Judge) {
    this.stmts = {
      insert: db.prepare(`INSERT INTO messages (mta, host, queue_id, queue_ids, message_id, origin, received_at, last_at,
        client_ip, client_name, helo, authenticated, remote, sender, sender_domain, outcome, ndr_queue_id, ndr_to, ndr_fate,
        ndr_count, backscatter, state) VALUES (@mta, @host, @queue_id, @queue_ids, @message_id, @origin, @received_at,
        @last_at, @client_ip, @client_name, @helo, @authenticated, @remote, @sender, @sender_domain, @outcome, @ndr_queue_id,
        @ndr_to, @ndr_fate, @ndr_count, @backscatter, @state)`),
      update: db.prepare(`UPDATE messages SET mta=@mta, host=@host, queue_id=@queue_id, queue_ids=@queue_ids,
        message_id=@message_id, origin=@origin, received_at=@received_at, last_at=@last_at, client_ip=@client_ip,
        client_name=@client_name, helo=@helo, authenticated=@authenticated, remote=@remote, sender=@sender,
        sender_domain=@sender_domain, outcome=@outcome, ndr_queue_id=@ndr_queue_id, ndr_to=@ndr_to, ndr_fate=@ndr_fate,
        ndr_count=@ndr_count, backscatter=@backscatter, state=@state WHERE id=@id`),
      delRcpts: db.prepare('DELETE FROM recipients WHERE message = ?'),
      insRcpt: db.prepare(`INSERT INTO recipients (message, seq, address, orig_address, status, dsn, cause, reason, relay)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insLines: db.prepare('INSERT INTO message_lines (message, chunk) VALUES (?, ?)'),
      moveLines: db.prepare('UPDATE message_lines SET message = ? WHERE message = ?'),
      delMessage: db.prepare('DELETE FROM messages WHERE id = ?'),
      delLines: db.prepare('DELETE FROM message_lines WHERE message = ?'),
      insReject: db.prepare(`INSERT INTO smtp_rejects (time, mta, host, queue_id, action, stage, by_program, client_ip,
        client_name, helo, sender, recipient, code, dsn, cause, reason, line) VALUES (@time, @mta, @host, @qid, @action,
        @stage, @by, @clientIp, @clientName, @helo, @sender, @recipient, @code, @dsn, @cause, @reason, @line)`),
      count: db.prepare(`INSERT INTO line_counts (hour, total, mail, unknown, other) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (hour) DO UPDATE SET total = total + excluded.total, mail = mail + excluded.mail,
        unknown = unknown + excluded.unknown, other = other + excluded.other`),
      sample: db.prepare('INSERT INTO unknown_samples (program, line, seen_at) VALUES (?, ?, ?)'),
      domain: db.prepare("INSERT OR IGNORE INTO local_domains (domain, source) VALUES (?, 'learnt')"),
      unflag: db.prepare('UPDATE messages SET backscatter = 0 WHERE sender_domain = ? AND backscatter = 1'),
      delSource: db.prepare('DELETE FROM sources WHERE fingerprint = ?'),
      source: db.prepare(`INSERT INTO sources (fingerprint, fp_len, path, offset, lines, updated_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (fingerprint) DO UPDATE SET fp_len = excluded.fp_len, path = excluded.path, offset = excluded.offset,
        lines = excluded.lines, updated_at = excluded.updated_at`),
    };
    this.samples = (db.prepare('SELECT count(*) AS n FROM unknown_samples').get() as { n: number }).n;
  }

  /** Writes a batch atomically. */
  write(batch: Batch): void {
    this.db.transaction(() => this.writeInTx(batch))();
  }

  private writeInTx(b: Batch): void {
    const s = this.stmts;
    for (const t of b.drained.live) this.writeTrace(t, true);
    for (const t of b.drained.done) this.writeTrace(t, false);
    for (const t of b.drained.dropped) {
      if (t.row !== undefined) {
        s.delLines.run(t.row);
        s.delMessage.run(t.row);
      }
    }
    for (const r of b.drained.rejects) {
      const cause = classify({ status: 'bounced', dsn: r.dsn ?? undefined, reason: r.reason });
      s.insReject.run({ ...r, cause });
    }
    for (const [hour, c] of b.counts) s.count.run(hour, c.total, c.mail, c.unknown, c.other);
    for (const u of b.unknownSamples) {
      if (this.samples >= MAX_SAMPLES) break;
      s.sample.run(u.program, u.line, u.at);
      this.samples++;
    }
    for (const d of b.drained.learnedDomains) {
      s.domain.run(d);
      s.unflag.run(d);
    }
    for (const p of b.sources) {
      if (p.replaces !== undefined && p.replaces !== p.fingerprint) s.delSource.run(p.replaces);
      s.source.run(p.fingerprint, p.fpLen, p.path, p.offset, p.lines, Date.now());
    }
  }

  private writeTrace(t: Trace, keepState: boolean): void {
    const s = this.stmts;
    const rec = toRecord(t, this.judge);
    const row = {
      ...rec,
      queue_ids: JSON.stringify(rec.queue_ids),
      received_at: t.firstAt,
      last_at: t.lastAt,
      authenticated: rec.authenticated ? 1 : 0,
      remote: rec.remote ? 1 : 0,
      sender_domain: rec.sender ? domainOf(rec.sender) : null,
      ndr_queue_id: rec.ndr?.queue_id ?? null,
      ndr_to: rec.ndr?.to ?? null,
      ndr_fate: rec.ndr?.fate ?? null,
      ndr_count: t.ndrs.length,
      backscatter: rec.backscatter ? 1 : 0,
      state: keepState ? stateJson(t) : null,
      id: t.row,
    };
    if (t.row === undefined) {
      t.row = Number(s.insert.run(row).lastInsertRowid);
    } else {
      s.update.run(row);
      s.delRcpts.run(t.row);
    }
    // Records keep the trace's recipient order, so the relay is found by position.
    rec.recipients.forEach((r, i) =>
      s.insRcpt.run(t.row, i, r.address, r.orig_address, r.status, r.dsn, r.cause, r.reason, t.rcpts[i]?.relay ?? null),
    );
    if (t.absorbed) {
      for (const old of t.absorbed) {
        s.moveLines.run(t.row, old);
        s.delMessage.run(old);
      }
      t.absorbed = undefined;
    }
    if (t.lines.length > 0) {
      s.insLines.run(t.row, t.lines.join('\n'));
      t.lines = [];
    }
  }
}

/** Traces saved by an earlier run, to continue correlating where it stopped. */
export function loadOpenTraces(db: Db): Trace[] {
  const rows = db.prepare('SELECT id, state FROM messages WHERE state IS NOT NULL ORDER BY id').all() as {
    id: number;
    state: string;
  }[];
  return rows.map((r) => ({ ...(JSON.parse(r.state) as Trace), row: r.id, lines: [] }));
}

export function loadLocalDomains(db: Db): string[] {
  return (db.prepare('SELECT domain FROM local_domains').all() as { domain: string }[]).map((r) => r.domain);
}
