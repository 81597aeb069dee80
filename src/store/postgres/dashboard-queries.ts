// Read queries behind the dashboard on PostgreSQL (src/store/sqlite/dashboard-queries.ts): the
// time series, the sources of bounces and backscatter, and the trace of one message.
import { hostRows, sourceFilter } from '../sqlite/dashboard-queries.ts';
import { hostTotals } from './hosts.ts';
import { BUCKETS, SCAN_MIN_REJECTS, type Bucket, type MessageTrace, type Period, type Point, type SourceKind } from '../types.ts';
import type { Queryable } from './pg.ts';
import { toMessageRecords, type MessageRow } from './queries.ts';
import * as r from './rollup-queries.ts';
import { all, one } from './sql.ts';

export async function timeseries(q: Queryable, p: Period, bucket: Bucket): Promise<Point[]> {
  const b = BUCKETS[bucket];
  const start = p.from - (p.from % b);
  const points = new Map<number, Point>();
  for (let t = start; t < p.to; t += b) {
    points.set(t, { t: new Date(t).toISOString(), delivered: 0, rejected_at_smtp: 0, bounced_after_accept: 0, backscatter: 0 });
  }
  const { messages, rejects } = await r.bucketed(q, p, b);
  for (const x of messages) {
    const pt = points.get(x.k);
    if (pt) Object.assign(pt, { delivered: x.delivered, bounced_after_accept: x.bounced, backscatter: x.backscatter });
  }
  for (const x of rejects) {
    const pt = points.get(x.k);
    if (pt) pt.rejected_at_smtp = x.n;
  }
  return [...points.values()];
}

/** Rows for one sources table, each with the message filter behind it. */
export async function sources(q: Queryable, p: Period, kind: SourceKind, limit = 100): Promise<Record<string, unknown>[]> {
  const filter = sourceFilter;
  switch (kind) {
    case 'client':
      return (await r.clients(q, p, limit)).map((x) => ({ ...x, filter: filter({ client_ip: x.client_ip, outcome: 'bounced_after_accept' }) }));
    case 'local_domain':
      return (await r.localDomains(q, p, limit)).map((x) => ({ ...x, filter: filter({ domain: x.domain, cause: x.cause }) }));
    case 'recipient':
      return (await r.recipients(q, p, limit)).map((x) => ({ ...x, filter: filter({ recipient: x.address, cause: x.cause }) }));
    case 'cause':
      return (await r.causeRows(q, p)).map((x) => ({ ...x, filter: filter({ cause: x.cause }) }));
    case 'sender_domain':
      return (await r.senderDomains(q, p, limit)).map((x) => ({ ...x, filter: filter({ sender_domain: x.sender_domain, backscatter: 1 }) }));
    case 'scanner':
      return (await r.scanners(q, p, SCAN_MIN_REJECTS, limit)).map((x) => ({ ...x, filter: filter({ client_ip: x.client_ip }) }));
    case 'host':
      return hostRows(await hostTotals(q, p), limit);
  }
}

const COLUMNS = `id, part, mta, host, queue_id, queue_ids, message_id, origin, received_at, client_ip, client_name, helo,
  authenticated, remote, sender, outcome, ndr_queue_id, ndr_to, ndr_fate, backscatter`;

/**
 * The newest message on `host` that went through queue id `qid`, with its raw log lines: the
 * newest whose first queue id it is, unless one received after it went through `qid` later.
 */
export async function messageTrace(q: Queryable, host: string, qid: string): Promise<MessageTrace | undefined> {
  const first = await one<MessageRow>(q, `SELECT ${COLUMNS} FROM messages WHERE host = @host AND queue_id = @qid
    ORDER BY received_at DESC LIMIT 1`, { host, qid });
  const later = await one<MessageRow>(q, `SELECT ${COLUMNS} FROM messages WHERE received_at > @since AND host = @host
    AND strpos(queue_ids, '"' || @qid::text || '"') > 0 ORDER BY received_at DESC LIMIT 1`,
  { since: first?.received_at ?? Number.MIN_SAFE_INTEGER, host, qid });
  const row = later ?? first;
  if (!row) return undefined;
  const chunks = await all<{ chunk: string }>(q, 'SELECT chunk FROM message_lines WHERE message = @id AND part = @part ORDER BY seq', { id: row.id, part: row.part });
  const [message] = await toMessageRecords(q, [row]);
  return { message: message!, lines: chunks.flatMap((c) => c.chunk.split('\n')) };
}
