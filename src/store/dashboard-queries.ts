// Read queries behind the dashboard: time series, sources of bounces and backscatter, and the
// trace of one message with its raw lines. One named function per query.
import type { Db } from './db.ts';
import { toMessageRecord, type MessageRow, type Period } from './queries.ts';
import type { MessageRecord } from '../correlate/record.ts';

export const BUCKETS = { hour: 3_600_000, day: 86_400_000 } as const;
export type Bucket = keyof typeof BUCKETS;

export interface Point {
  t: string;
  delivered: number;
  rejected_at_smtp: number;
  bounced_after_accept: number;
  backscatter: number;
}

export function timeseries(db: Db, p: Period, bucket: Bucket): Point[] {
  const b = BUCKETS[bucket];
  const start = p.from - (p.from % b);
  const points = new Map<number, Point>();
  for (let t = start; t < p.to; t += b) {
    points.set(t, { t: new Date(t).toISOString(), delivered: 0, rejected_at_smtp: 0, bounced_after_accept: 0, backscatter: 0 });
  }
  const msgs = db.prepare(`SELECT received_at - (received_at % @b) AS k,
      sum(outcome = 'delivered') AS delivered,
      sum(origin = 'smtp' AND outcome = 'bounced_after_accept') AS bounced,
      sum(backscatter) AS backscatter
    FROM messages WHERE received_at >= @from AND received_at < @to GROUP BY k`).all({ b, from: p.from, to: p.to }) as {
    k: number; delivered: number; bounced: number; backscatter: number;
  }[];
  for (const r of msgs) {
    const pt = points.get(r.k);
    if (pt) Object.assign(pt, { delivered: r.delivered, bounced_after_accept: r.bounced, backscatter: r.backscatter });
  }
  const rej = db.prepare(`SELECT time - (time % @b) AS k, count(*) AS n FROM smtp_rejects
    WHERE action IN ('reject', 'milter-reject') AND time >= @from AND time < @to GROUP BY k`).all({ b, from: p.from, to: p.to }) as { k: number; n: number }[];
  for (const r of rej) {
    const pt = points.get(r.k);
    if (pt) pt.rejected_at_smtp = r.n;
  }
  return [...points.values()];
}

/** Unknown-recipient rejects that make a client a dictionary-scan suspect. */
export const SCAN_MIN_REJECTS = 3;

export const SOURCE_KINDS = ['client', 'local_domain', 'recipient', 'sender_domain', 'cause', 'scanner'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

const filter = (pairs: Record<string, string | number | null>) =>
  new URLSearchParams(Object.entries(pairs).filter(([, v]) => v !== null).map(([k, v]) => [k, String(v)])).toString();

const IN_PERIOD = 'm.received_at >= @from AND m.received_at < @to';
const FAILED_RCPTS = `FROM recipients r JOIN messages m ON m.id = r.message WHERE r.cause IS NOT NULL AND ${IN_PERIOD}`;

/** Rows for one sources table, each with the message filter behind it. */
export function sources(db: Db, p: Period, kind: SourceKind, limit = 100): Record<string, unknown>[] {
  const args = { from: p.from, to: p.to, limit, scanMin: SCAN_MIN_REJECTS };
  switch (kind) {
    case 'client':
      return (db.prepare(`SELECT client_ip, max(client_name) AS client_name, max(helo) AS helo, count(*) AS messages,
          sum(outcome = 'bounced_after_accept') AS bounced, sum(backscatter) AS backscatter
        FROM messages m WHERE ${IN_PERIOD} AND remote = 1 GROUP BY client_ip HAVING bounced > 0
        ORDER BY backscatter DESC, bounced DESC, client_ip LIMIT @limit`).all(args) as { client_ip: string }[])
        .map((r) => ({ ...r, filter: filter({ client_ip: r.client_ip, outcome: 'bounced_after_accept' }) }));
    case 'local_domain':
      return (db.prepare(`SELECT lower(substr(r.address, instr(r.address, '@') + 1)) AS domain, r.cause AS cause, count(*) AS count
        ${FAILED_RCPTS} GROUP BY domain, r.cause ORDER BY count DESC, domain, cause LIMIT @limit`).all(args) as { domain: string; cause: string }[])
        .map((r) => ({ ...r, filter: filter({ domain: r.domain, cause: r.cause }) }));
    case 'recipient':
      return (db.prepare(`SELECT lower(r.address) AS address, r.cause AS cause, count(*) AS count
        ${FAILED_RCPTS} GROUP BY lower(r.address), r.cause ORDER BY count DESC, address LIMIT @limit`).all(args) as { address: string; cause: string }[])
        .map((r) => ({ ...r, filter: filter({ recipient: r.address, cause: r.cause }) }));
    case 'cause':
      return (db.prepare(`SELECT r.cause AS cause, count(*) AS count ${FAILED_RCPTS} GROUP BY r.cause ORDER BY count DESC, cause`)
        .all(args) as { cause: string }[]).map((r) => ({ ...r, filter: filter({ cause: r.cause }) }));
    case 'sender_domain':
      return (db.prepare(`SELECT sender_domain, count(*) AS ndrs, sum(ndr_fate = 'delivered') AS delivered,
          sum(ndr_fate = 'deferred') AS deferred, sum(ndr_fate = 'rejected') AS rejected,
          sum(ndr_fate = 'undeliverable') AS undeliverable, sum(ndr_fate = 'unknown') AS unknown
        FROM messages m WHERE ${IN_PERIOD} AND backscatter = 1 GROUP BY sender_domain
        ORDER BY ndrs DESC, sender_domain LIMIT @limit`).all(args) as { sender_domain: string }[])
        .map((r) => ({ ...r, filter: filter({ sender_domain: r.sender_domain, backscatter: 1 }) }));
    case 'scanner':
      // Dictionary-scan suspects: clients that collected unknown-recipient rejects at SMTP time.
      return (db.prepare(`SELECT client_ip, max(client_name) AS client_name, count(*) AS rejects,
          sum(cause = 'unknown_recipient') AS unknown_recipient
        FROM smtp_rejects WHERE time >= @from AND time < @to AND action IN ('reject', 'milter-reject') AND client_ip IS NOT NULL
        GROUP BY client_ip HAVING unknown_recipient >= @scanMin ORDER BY unknown_recipient DESC, client_ip LIMIT @limit`).all(args) as { client_ip: string }[])
        .map((r) => ({ ...r, filter: filter({ client_ip: r.client_ip }) }));
  }
}

export interface Trace {
  message: MessageRecord;
  lines: string[];
}

/** The newest message on `host` that went through queue id `qid`, with its raw log lines. */
export function trace(db: Db, host: string, qid: string): Trace | undefined {
  const row = db.prepare(`SELECT * FROM messages WHERE host = ? AND (queue_id = ? OR instr(queue_ids, '"' || ? || '"') > 0)
    ORDER BY received_at DESC LIMIT 1`).get(host, qid, qid) as MessageRow | undefined;
  if (!row) return undefined;
  const chunks = db.prepare('SELECT chunk FROM message_lines WHERE message = ? ORDER BY rowid').all(row.id) as { chunk: string }[];
  return { message: toMessageRecord(db, row), lines: chunks.flatMap((c) => c.chunk.split('\n')) };
}
