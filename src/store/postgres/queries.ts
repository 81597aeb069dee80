// The message listing and its count on PostgreSQL (src/store/sqlite/queries.ts): the same
// filters, the same order, the same records; messages are read in chunks, each chunk's
// recipients and notifications with one query each.
import type { MessageFilter, Period } from '../types.ts';
import type { MessageRecord, NotificationRecord, RecipientRecord } from '../../correlate/record.ts';
import { COUNT_CAP, recordOfRow, type MessageRow as SqliteRow } from '../sqlite/queries.ts';

/** A message row as SQLite's, with its partition: its recipients, notifications and lines are there. */
export type MessageRow = SqliteRow & { part: number };
import type { Queryable } from './pg.ts';
import { rollupRows } from './rollups.ts';
import { all, one, type Params } from './sql.ts';

/** Messages read per query when listing without a page. */
const CHUNK = 500;

/** `v` as literal text inside a LIKE pattern (backslash is PostgreSQL's escape): `%` and `_` are no wildcards. */
function likeLiteral(v: string): string {
  return v.replace(/[%_\\]/g, (c) => `\\${c}`);
}

/**
 * WHERE clause and named parameters for a message filter, over `messages m`. SQLite's LIKE
 * ignores ASCII case: ILIKE on "C" text does the same (ASCII only).
 */
function messageWhere(p: Period, f: MessageFilter): { sql: string; params: Params } {
  const where = ['m.received_at >= @from', 'm.received_at < @to'];
  const params: Params = { from: p.from, to: p.to };
  if (f.backscatter) where.push('m.backscatter = 1');
  const add = (list: string[], sql: string, name: string, value: unknown) => {
    list.push(sql);
    params[name] = value;
  };
  if (f.client_ip) add(where, 'm.client_ip = @client_ip', 'client_ip', f.client_ip);
  if (f.sender_domain) add(where, 'm.sender_domain = @sender_domain', 'sender_domain', f.sender_domain.toLowerCase());
  // The period's host and the filter's: both must hold (two different ones match nothing).
  if (p.host !== undefined) add(where, 'm.host = @periodHost', 'periodHost', p.host);
  if (f.host) add(where, 'm.host = @host', 'host', f.host);
  if (f.outcome) add(where, 'm.outcome = @outcome', 'outcome', f.outcome);
  if (f.mta) add(where, 'm.mta = @mta', 'mta', f.mta);
  const rcpt: string[] = [];
  if (f.domain) add(rcpt, "lower(r.address) ILIKE '%@' || @domain::text", 'domain', likeLiteral(f.domain.toLowerCase()));
  if (f.recipient) add(rcpt, 'lower(r.address) = @recipient', 'recipient', f.recipient.toLowerCase());
  if (f.cause) add(rcpt, 'r.cause = @cause', 'cause', f.cause);
  if (rcpt.length > 0) where.push(`EXISTS (SELECT 1 FROM recipients r WHERE r.message = m.id AND r.part = m.part AND ${rcpt.join(' AND ')})`);
  if (f.q) {
    params.q = f.q;
    params.qlike = `%${likeLiteral(f.q)}%`;
    where.push(`(m.queue_id = @q OR m.client_ip = @q OR m.message_id = @q OR strpos(m.queue_ids, '"' || @q::text || '"') > 0
      OR m.sender ILIKE @qlike OR m.message_id ILIKE @qlike
      OR EXISTS (SELECT 1 FROM recipients r WHERE r.message = m.id AND r.part = m.part AND (r.address ILIKE @qlike OR r.orig_address ILIKE @qlike)))`);
  }
  return { sql: where.join(' AND '), params };
}

/** The records of these message rows: their recipients and notifications with one query each. */
export async function toMessageRecords(q: Queryable, rows: MessageRow[]): Promise<MessageRecord[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const parts = [...new Set(rows.map((r) => r.part))];
  const rcpts = await all<RecipientRecord & { message: number }>(q, `SELECT message, address, orig_address, status, dsn, cause, reason
    FROM recipients WHERE message = ANY(@ids::bigint[]) AND part = ANY(@parts::integer[]) ORDER BY message, seq`, { ids, parts });
  const notes = await all<NotificationRecord & { message: number }>(q, `SELECT message, queue_id, type, rcpt AS "to", fate, cause, reason
    FROM notifications WHERE message = ANY(@ids::bigint[]) AND part = ANY(@parts::integer[]) ORDER BY message, seq`, { ids, parts });
  const byMessage = <T extends { message: number }>(list: T[]) => {
    const out = new Map<number, Omit<T, 'message'>[]>();
    for (const { message, ...rest } of list) {
      let l = out.get(message);
      if (!l) out.set(message, (l = []));
      l.push(rest);
    }
    return out;
  };
  const r = byMessage(rcpts);
  const n = byMessage(notes);
  return rows.map((row) => recordOfRow(row, (r.get(row.id) ?? []) as RecipientRecord[], (n.get(row.id) ?? []) as NotificationRecord[]));
}

const COLUMNS = `m.id, m.part, m.mta, m.host, m.queue_id, m.queue_ids, m.message_id, m.origin, m.received_at, m.client_ip, m.client_name, m.helo,
  m.authenticated, m.remote, m.sender, m.outcome, m.ndr_queue_id, m.ndr_to, m.ndr_fate, m.backscatter`;
const ORDER = 'ORDER BY m.received_at, m.host, m.queue_id, m.id';

/** Messages in the period in the order they arrived, as `messages --json` prints them. */
export async function* listMessages(q: Queryable, p: Period, f: MessageFilter = {}, page?: { limit: number; offset: number }): AsyncGenerator<MessageRecord> {
  const { sql, params } = messageWhere(p, f);
  if (page) {
    const rows = await all<MessageRow>(q, `SELECT ${COLUMNS} FROM messages m WHERE ${sql} ${ORDER} LIMIT @limit OFFSET @offset`,
      { ...params, limit: page.limit, offset: page.offset });
    for (let i = 0; i < rows.length; i += CHUNK) yield* await toMessageRecords(q, rows.slice(i, i + CHUNK));
    return;
  }
  // Keyset paging: each chunk starts after the last row of the one before, in the listing's order.
  let after: MessageRow | undefined;
  for (;;) {
    const rows = await all<MessageRow>(q, `SELECT ${COLUMNS} FROM messages m WHERE ${sql}
      ${after ? 'AND (m.received_at, m.host, m.queue_id, m.id) > (@kr::bigint, @kh::text, @kq::text, @ki::bigint)' : ''} ${ORDER} LIMIT ${CHUNK}`,
    after ? { ...params, kr: after.received_at, kh: after.host, kq: after.queue_id, ki: after.id } : params);
    yield* await toMessageRecords(q, rows);
    if (rows.length < CHUNK) return;
    after = rows.at(-1);
  }
}

/** A sender-domain filter alone (or with backscatter) counted from the rollups; undefined for any other filter. */
async function senderDomainCount(q: Queryable, p: Period, f: MessageFilter): Promise<number | undefined> {
  const keys = Object.keys(f).filter((k) => f[k as keyof MessageFilter] !== undefined);
  if (!f.sender_domain || !keys.every((k) => k === 'sender_domain' || k === 'backscatter')) return undefined;
  const { sql, params } = await rollupRows(q, 'rollup_sender_domains', p);
  const col = f.backscatter ? 'backscatter' : 'messages';
  const row = await one<{ n: number | null }>(q, `SELECT sum(${col}) AS n FROM (${sql}) AS src WHERE sender_domain = @sd`,
    { ...params, sd: f.sender_domain.toLowerCase() });
  return row?.n ?? 0;
}

/** The number of matching messages, counted up to `cap`: capped when there are more. */
export async function countMessagesCapped(q: Queryable, p: Period, f: MessageFilter = {}, cap = COUNT_CAP): Promise<{ total: number; capped: boolean }> {
  const byRollup = await senderDomainCount(q, p, f);
  if (byRollup !== undefined) return { total: Math.min(byRollup, cap), capped: byRollup > cap };
  const { sql, params } = messageWhere(p, f);
  const n = (await one<{ n: number }>(q, `SELECT count(*) AS n FROM (SELECT 1 FROM messages m WHERE ${sql} LIMIT ${cap + 1}) AS x`, params))!.n;
  return { total: Math.min(n, cap), capped: n > cap };
}
