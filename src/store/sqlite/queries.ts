// Named read queries over the store, one function each, for the report and message listing.
import type { Db } from './db.ts';
import type { MessageFilter, Period } from '../types.ts';
import type { MessageRecord, NotificationRecord, RecipientRecord } from '../../correlate/record.ts';
import { HOUR, rollupRows, rollupsReady } from './rollups.ts';

/** Recipient matches (over all time) below which a recipient filter is looked up by its index. */
const RARE = 5000;

/** Hours the rollups read at most for a client or sender-domain filter; more are read in order. */
const MAX_FILTER_HOURS = 168;

/**
 * The hours of the period holding messages with this value, from the rollups (`hoursSql`
 * selects `hour` for @v in [@a, @to)); undefined when the rollups cannot say or there are too many.
 */
function filterHours(db: Db, p: Period, hoursSql: string, v: string): number[] | undefined {
  if (!rollupsReady(db)) return undefined;
  const hours = db.prepare(`${hoursSql} ORDER BY 1 LIMIT ${MAX_FILTER_HOURS + 1}`)
    .all({ v, a: p.from - (p.from % HOUR), to: p.to }) as { hour: number }[];
  return hours.length > MAX_FILTER_HOURS ? undefined : hours.map((h) => h.hour);
}

const CLIENT_HOURS = `SELECT hour FROM rollup_clients WHERE client_ip = @v AND hour >= @a AND hour < @to
  UNION SELECT hour FROM rollup_local_clients WHERE client_ip = @v AND hour >= @a AND hour < @to`;
const SENDER_DOMAIN_HOURS = 'SELECT hour FROM rollup_sender_domains WHERE sender_domain = @v AND hour >= @a AND hour < @to';

/** Consecutive hours as ranges of received_at, clipped to the period. */
function hourRanges(hours: number[], p: Period): string[] {
  const out: string[] = [];
  for (let i = 0; i < hours.length; ) {
    let j = i;
    while (j + 1 < hours.length && hours[j + 1] === hours[j]! + HOUR) j++;
    out.push(`(m.received_at >= ${Math.max(hours[i]!, p.from)} AND m.received_at < ${Math.min(hours[j]! + HOUR, p.to)})`);
    i = j + 1;
  }
  return out;
}

/** `v` as literal text inside a LIKE pattern (with ESCAPE '\\'): `%` and `_` are no wildcards. */
function likeLiteral(v: string): string {
  return v.replace(/[%_\\]/g, (c) => `\\${c}`);
}

/** WHERE clause and named parameters for a message filter, over `messages m`. */
function messageWhere(db: Db, p: Period, f: MessageFilter): { sql: string; params: Record<string, unknown> } {
  const where = ['m.received_at >= @from', 'm.received_at < @to'];
  const params: Record<string, unknown> = { from: p.from, to: p.to };
  if (f.backscatter) where.push('m.backscatter = 1');
  const add = (list: string[], sql: string, name: string, value: unknown) => {
    list.push(sql);
    params[name] = value;
  };
  // Only the hours in which the client or sender domain sent mail are read (none: no message):
  // the period's range gives way to those hours, clipped to it, so that the index reads them
  // alone. With both filters, the fewer hours.
  let hours: number[] | undefined;
  const narrow = (h: number[] | undefined) => {
    if (h && (!hours || h.length < hours.length)) hours = h;
  };
  if (f.client_ip) {
    add(where, 'm.client_ip = @client_ip', 'client_ip', f.client_ip);
    narrow(filterHours(db, p, CLIENT_HOURS, f.client_ip));
  }
  if (f.sender_domain) {
    add(where, 'm.sender_domain = @sender_domain', 'sender_domain', f.sender_domain.toLowerCase());
    narrow(filterHours(db, p, SENDER_DOMAIN_HOURS, f.sender_domain.toLowerCase()));
  }
  if (hours) where.splice(0, 2, hours.length === 0 ? '0' : `(${hourRanges(hours, p).join(' OR ')})`);
  // The period's host and the filter's: both must hold (two different ones match nothing).
  if (p.host !== undefined) add(where, 'm.host = @periodHost', 'periodHost', p.host);
  if (f.host) add(where, 'm.host = @host', 'host', f.host);
  if (f.outcome) add(where, 'm.outcome = @outcome', 'outcome', f.outcome);
  if (f.mta) add(where, 'm.mta = @mta', 'mta', f.mta);
  const rcpt: string[] = [];
  if (f.domain) add(rcpt, "lower(r.address) LIKE '%@' || @domain ESCAPE '\\'", 'domain', likeLiteral(f.domain.toLowerCase()));
  if (f.recipient) add(rcpt, 'lower(r.address) = @recipient', 'recipient', f.recipient.toLowerCase());
  if (f.cause) add(rcpt, 'r.cause = @cause', 'cause', f.cause);
  if (rcpt.length > 0) {
    // A rare recipient or cause is found through its index (recipients_address,
    // recipients_failed): IN. A frequent one, or a domain (no index: decision 0002), is found
    // soonest by reading the messages in order and checking each: EXISTS (IN would first
    // collect every match).
    const cond = rcpt.join(' AND ');
    const few = !f.domain && (db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM recipients r WHERE ${cond} LIMIT ${RARE})`).get(params) as { n: number }).n < RARE;
    where.push(few ? `m.id IN (SELECT r.message FROM recipients r WHERE ${cond})` : `EXISTS (SELECT 1 FROM recipients r WHERE r.message = m.id AND ${cond})`);
  }
  if (f.q) {
    params.q = f.q;
    params.qlike = `%${likeLiteral(f.q)}%`;
    where.push(`(m.queue_id = @q OR m.client_ip = @q OR m.message_id = @q OR instr(m.queue_ids, '"' || @q || '"') > 0
      OR m.sender LIKE @qlike ESCAPE '\\' OR m.message_id LIKE @qlike ESCAPE '\\'
      OR EXISTS (SELECT 1 FROM recipients r WHERE r.message = m.id AND (r.address LIKE @qlike ESCAPE '\\' OR r.orig_address LIKE @qlike ESCAPE '\\')))`);
  }
  return { sql: where.join(' AND '), params };
}

export interface MessageRow {
  id: number;
  mta: 'postfix' | 'exim';
  host: string;
  queue_id: string;
  queue_ids: string;
  message_id: string | null;
  origin: MessageRecord['origin'];
  received_at: number;
  client_ip: string | null;
  client_name: string | null;
  helo: string | null;
  authenticated: number;
  remote: number;
  sender: string | null;
  outcome: MessageRecord['outcome'];
  ndr_queue_id: string | null;
  ndr_to: string | null;
  ndr_fate: string | null;
  backscatter: number;
}

/** A message row with its recipients and notifications as the record both backends list. */
export function recordOfRow(row: MessageRow, recipients: RecipientRecord[], notifications: NotificationRecord[]): MessageRecord {
  return {
    mta: row.mta,
    host: row.host,
    queue_id: row.queue_id,
    queue_ids: JSON.parse(row.queue_ids) as string[],
    message_id: row.message_id,
    origin: row.origin,
    received_at: new Date(row.received_at).toISOString(),
    client_ip: row.client_ip,
    client_name: row.client_name,
    helo: row.helo,
    authenticated: row.authenticated === 1,
    remote: row.remote === 1,
    sender: row.sender,
    recipients,
    outcome: row.outcome,
    ndr: row.ndr_queue_id === null ? null : ({ queue_id: row.ndr_queue_id, to: row.ndr_to, fate: row.ndr_fate } as MessageRecord['ndr']),
    notifications,
    backscatter: row.backscatter === 1,
  };
}

export function toMessageRecord(db: Db, row: MessageRow): MessageRecord {
  const rcpts = db.prepare('SELECT address, orig_address, status, dsn, cause, reason FROM recipients WHERE message = ? ORDER BY seq');
  const notes = db.prepare('SELECT queue_id, type, rcpt AS "to", fate, cause, reason FROM notifications WHERE message = ? ORDER BY seq');
  return recordOfRow(row, rcpts.all(row.id) as RecipientRecord[], notes.all(row.id) as NotificationRecord[]);
}

/** Messages in the period in the order they arrived, as `messages --json` prints them. */
export function* listMessages(db: Db, p: Period, f: MessageFilter = {}, page?: { limit: number; offset: number }): Generator<MessageRecord> {
  const { sql, params } = messageWhere(db, p, f);
  const paging = page ? ` LIMIT ${page.limit} OFFSET ${page.offset}` : '';
  const rows = db.prepare(`SELECT m.* FROM messages m WHERE ${sql} ORDER BY m.received_at, m.host, m.queue_id, m.id${paging}`).iterate(params);
  for (const row of rows as Iterable<MessageRow>) yield toMessageRecord(db, row);
}

/**
 * A sender-domain filter alone (or with backscatter, as the sources table links it) counted from
 * the rollups: a domain with a few thousand messages over 30 days otherwise meant reading every
 * message of the period to count them. Undefined for any other filter.
 */
function senderDomainCount(db: Db, p: Period, f: MessageFilter): number | undefined {
  const keys = Object.keys(f).filter((k) => f[k as keyof MessageFilter] !== undefined);
  if (!f.sender_domain || !rollupsReady(db) || !keys.every((k) => k === 'sender_domain' || k === 'backscatter')) return undefined;
  // Messages, not NDRs: rollup_backscatter counts a message once per NDR (migration 0011).
  const { sql, params } = rollupRows(db, 'rollup_sender_domains', p);
  const col = f.backscatter ? 'backscatter' : 'messages';
  const row = db.prepare(`SELECT sum(${col}) AS n FROM (${sql}) WHERE sender_domain = @sd`).get({ ...params, sd: f.sender_domain.toLowerCase() }) as { n: number | null };
  return row.n ?? 0;
}

/** Counting stops here: a total above it is "at least COUNT_CAP" (the API's total_capped). */
export const COUNT_CAP = 10_000;

/** The number of matching messages, counted up to `cap`: capped when there are more. */
export function countMessagesCapped(db: Db, p: Period, f: MessageFilter = {}, cap = COUNT_CAP): { total: number; capped: boolean } {
  const byRollup = senderDomainCount(db, p, f);
  if (byRollup !== undefined) return { total: Math.min(byRollup, cap), capped: byRollup > cap };
  const { sql, params } = messageWhere(db, p, f);
  const n = (db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM messages m WHERE ${sql} LIMIT ${cap + 1})`).get(params) as { n: number }).n;
  return { total: Math.min(n, cap), capped: n > cap };
}
