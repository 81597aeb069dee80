// Read queries behind the dashboard: time series, sources of bounces and backscatter, and the
// trace of one message with its raw lines. One named function per query.
import type { Db } from './db.ts';
import { toMessageRecord, type MessageRow } from './queries.ts';
import { BUCKETS, SCAN_MIN_REJECTS, type Bucket, type HostTotals, type MessageTrace, type Period, type Point, type SourceKind } from '../types.ts';
import { hostTotals } from './hosts.ts';
import * as r from './rollup-queries.ts';

export function timeseries(db: Db, p: Period, bucket: Bucket): Point[] {
  const b = BUCKETS[bucket];
  const start = p.from - (p.from % b);
  const points = new Map<number, Point>();
  for (let t = start; t < p.to; t += b) {
    points.set(t, { t: new Date(t).toISOString(), delivered: 0, rejected_at_smtp: 0, bounced_after_accept: 0, backscatter: 0 });
  }
  const { messages, rejects } = r.bucketed(db, p, b);
  for (const r of messages) {
    const pt = points.get(r.k);
    if (pt) Object.assign(pt, { delivered: r.delivered, bounced_after_accept: r.bounced, backscatter: r.backscatter });
  }
  for (const r of rejects) {
    const pt = points.get(r.k);
    if (pt) pt.rejected_at_smtp = r.n;
  }
  return [...points.values()];
}

/** The message filter behind a sources row, as a query string (the PostgreSQL twin uses it too). */
export const sourceFilter = (pairs: Record<string, string | number | null>) =>
  new URLSearchParams(Object.entries(pairs).filter(([, v]) => v !== null).map(([k, v]) => [k, String(v)])).toString();
const filter = sourceFilter;


/** Rows for one sources table, each with the message filter behind it. */
export function sources(db: Db, p: Period, kind: SourceKind, limit = 100): Record<string, unknown>[] {
  // From the hourly rollups (rollup-queries.ts), which equal the raw rows' GROUP BY.
  switch (kind) {
    case 'client':
      return r.clients(db, p, limit).map((x) => ({ ...x, filter: filter({ client_ip: x.client_ip, outcome: 'bounced_after_accept' }) }));
    case 'local_domain':
      return r.localDomains(db, p, limit).map((x) => ({ ...x, filter: filter({ domain: x.domain, cause: x.cause }) }));
    case 'recipient':
      return r.recipients(db, p, limit).map((x) => ({ ...x, filter: filter({ recipient: x.address, cause: x.cause }) }));
    case 'cause':
      return r.causeRows(db, p).map((x) => ({ ...x, filter: filter({ cause: x.cause }) }));
    case 'sender_domain':
      return r.senderDomains(db, p, limit).map((x) => ({ ...x, filter: filter({ sender_domain: x.sender_domain, backscatter: 1 }) }));
    case 'scanner':
      // Dictionary-scan suspects: clients that collected unknown-recipient rejects at SMTP time.
      return r.scanners(db, p, SCAN_MIN_REJECTS, limit).map((x) => ({ ...x, filter: filter({ client_ip: x.client_ip }) }));
    case 'host':
      return hostRows(hostTotals(db, p), limit);
  }
}

/** The per-host split as a sources table (the PostgreSQL twin uses it too). */
export const hostRows = (rows: HostTotals[], limit: number) =>
  rows.slice(0, limit).map((x) => ({ ...x, mtas: x.mtas.join(', '), filter: sourceFilter({ host: x.host }) }));

/**
 * The newest message on `host` that went through queue id `qid`, with its raw log lines. The
 * message whose first queue id it is comes from the (host, queue_id) index; only messages
 * received after it can be newer, so only those are searched for `qid` as a later hop (the
 * whole table when no first queue id matches: a later hop's id asked for directly).
 */
export function messageTrace(db: Db, host: string, qid: string): MessageTrace | undefined {
  const first = db.prepare('SELECT * FROM messages WHERE host = ? AND queue_id = ? ORDER BY received_at DESC LIMIT 1').get(host, qid) as MessageRow | undefined;
  const later = db.prepare(`SELECT * FROM messages INDEXED BY messages_time WHERE received_at > @since AND host = @host
    AND instr(queue_ids, '"' || @qid || '"') > 0 ORDER BY received_at DESC LIMIT 1`)
    .get({ since: first?.received_at ?? Number.MIN_SAFE_INTEGER, host, qid }) as MessageRow | undefined;
  const row = later ?? first;
  if (!row) return undefined;
  const chunks = db.prepare('SELECT chunk FROM message_lines WHERE message = ? ORDER BY rowid').all(row.id) as { chunk: string }[];
  return { message: toMessageRecord(db, row), lines: chunks.flatMap((c) => c.chunk.split('\n')) };
}
