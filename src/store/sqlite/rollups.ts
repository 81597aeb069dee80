// Hourly rollups of the raw rows, so that a 30-day dashboard query sums 720 hours instead of a
// million messages. Triggers (migrations/0004) only mark the hours whose rows changed; before a
// read, those hours are recomputed here from the raw rows with the same SELECT that a query
// uses for the partial hours at a period's edges. So a rollup always equals the raw query.
import { isBusy, type Db } from './db.ts';
import type { Period } from '../types.ts';
import { downstreamHost, sizeLimitOf } from '../../correlate/relays.ts';

export const HOUR = 3_600_000;

const H = (col: string) => `${col} - ${col} % ${HOUR}`;
const IN_RANGE = (col: string) => `${col} >= @lo AND ${col} < @hi`;
const REJECT = "action IN ('reject', 'milter-reject')";
// The advice rule of a failed recipient (src/advise/rules.ts): its cause, with unknown
// recipients split by whether a downstream server refused them.
// (In SQL: the test of downstreamHost in src/correlate/relays.ts, without a call into JavaScript
// per recipient.)
export const ADVICE_RULE = `CASE WHEN r.cause != 'unknown_recipient' THEN r.cause
  WHEN instr(r.relay, '[') > 0 AND instr(r.relay, '[/') = 0 THEN 'unknown_relay' ELSE 'unknown_local' END`;

const withFunctions = new WeakSet<Db>();

/** The JavaScript functions the advice rollups use, so that they match src/advise exactly. */
export function registerFunctions(db: Db): void {
  if (withFunctions.has(db)) return;
  const opts = { deterministic: true };
  db.function('bw_relay', opts, (v: unknown) => downstreamHost(typeof v === 'string' ? v : null));
  db.function('bw_size_limit', opts, (v: unknown) => sizeLimitOf(typeof v === 'string' ? v : null));
  db.function('bw_lower', opts, (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : null));
  db.function('bw_domain', opts, (v: unknown) => (typeof v === 'string' ? v.slice(v.lastIndexOf('@') + 1).toLowerCase() : null));
  // The five most frequent values of a group, ties broken by localeCompare (advise's top()):
  // rows (value, n) summed per value, out as JSON [[value, n], ...].
  const step = (m: Map<string, number>, v: unknown, n: unknown) => {
    if (typeof v === 'string' && v !== '') m.set(v, (m.get(v) ?? 0) + Number(n));
  };
  db.aggregate('bw_top5', {
    start: () => new Map<string, number>(),
    // Two arguments; better-sqlite3's types know aggregates of one.
    step: step as unknown as (m: Map<string, number>, v: unknown) => void,
    result: (m: Map<string, number>) => JSON.stringify(topOf(m, 5)),
  });
  withFunctions.add(db);
}

/** The `k` largest entries by count, ties by localeCompare, without sorting them all. */
export function topOf(m: Map<string, number>, k: number): [string, number][] {
  const best: [string, number][] = [];
  const before = (a: [string, number], b: [string, number]) => b[1] - a[1] || a[0].localeCompare(b[0]);
  for (const e of m) {
    if (best.length === k && before(e, best[k - 1]!) >= 0) continue;
    let i = best.length;
    while (i > 0 && before(e, best[i - 1]!) < 0) i--;
    best.splice(i, 0, e);
    if (best.length > k) best.pop();
  }
  return best;
}

/**
 * A period narrowed to one host: the condition on a rollup's `host` column (rollup rows and raw
 * SELECTs both have it) and its parameter; nothing for every host.
 */
export function hostOnly(p: Period): { cond: string; params: Record<string, string> } {
  return p.host === undefined ? { cond: '', params: {} } : { cond: ' AND host = @onlyHost', params: { onlyHost: p.host } };
}

type Params = Record<string, number | string>;

/** The partial hours of a period before `a` and after `b`, as raw-row SELECTs with their parameters. */
function rawEdges(raw: string, p: Period, a: number, b: number): { parts: string[]; params: Params } {
  const parts: string[] = [];
  const only = hostOnly(p);
  const params: Params = { ...only.params };
  const edge = (name: string, lo: number, hi: number) => {
    if (lo >= hi) return;
    parts.push(`SELECT * FROM (${raw.replaceAll('@lo', `@${name}lo`).replaceAll('@hi', `@${name}hi`)}) WHERE 1${only.cond}`);
    Object.assign(params, { [`${name}lo`]: lo, [`${name}hi`]: hi });
  };
  edge('head', p.from, a);
  edge('tail', b, p.to);
  return { parts, params };
}

/**
 * A period split into the whole hours, read straight from a rollup table (so that an index in
 * GROUP BY order can stream them; `host` is the condition on its host column, with `params`),
 * and the partial hours at the edges from the raw rows; null when the rollups cannot be read.
 */
export function rollupSplit(db: Db, table: Rollup, p: Period): {
  from: number; to: number; host: string; params: Params; edges: { sql: string; params: Params } | null;
} | null {
  registerFunctions(db);
  const a = Math.ceil(p.from / HOUR) * HOUR;
  const b = Math.floor(p.to / HOUR) * HOUR;
  if (a >= b || !rollupsReady(db)) return null;
  const { parts, params } = rawEdges(ROLLUPS[table], p, a, b);
  const only = hostOnly(p);
  return { from: a, to: b, host: only.cond, params: only.params, edges: parts.length ? { sql: parts.join('\nUNION ALL\n'), params } : null };
}

/** Each rollup table and the SELECT of its rows for the raw rows of [@lo, @hi), in column order. */
export const ROLLUPS = {
  rollup_hours: `SELECT ${H('received_at')} AS hour, host, mta,
      sum(origin = 'smtp' AND outcome != 'rejected_at_smtp') AS accepted,
      sum(origin = 'smtp' AND remote = 1 AND outcome != 'rejected_at_smtp') AS accepted_remote,
      sum(outcome = 'delivered') AS delivered,
      sum(outcome = 'pending' AND EXISTS (SELECT 1 FROM recipients r WHERE r.message = m.id AND r.status = 'deferred')) AS deferred,
      sum(origin = 'smtp' AND outcome = 'bounced_after_accept') AS bounced,
      sum(ndr_count) AS ndrs, sum(backscatter) AS backscatter,
      sum(outcome = 'bounced_after_accept') AS o_bounced, sum(outcome = 'rejected_at_smtp') AS o_rejected,
      sum(outcome = 'discarded') AS o_discarded, sum(outcome = 'pending') AS o_pending,
      sum(CASE WHEN backscatter = 1 THEN (SELECT count(*) FROM notifications nt WHERE nt.message = m.id AND nt.type = 'non_delivery') ELSE 0 END)
        AS backscatter_ndrs, sum(delay_backscatter) AS delay_backscatter
    FROM messages m WHERE ${IN_RANGE('received_at')} GROUP BY 1, 2, 3`,
  rollup_rejects: `SELECT ${H('time')} AS hour, host, mta, count(*) AS rejected FROM smtp_rejects
    WHERE ${REJECT} AND ${IN_RANGE('time')} GROUP BY 1, 2, 3`,
  rollup_failed: `SELECT ${H('m.received_at')} AS hour, m.host, lower(r.address) AS address, r.cause AS cause, count(*) AS n
    FROM messages m JOIN recipients r ON r.message = m.id
    WHERE r.cause IS NOT NULL AND ${IN_RANGE('m.received_at')} GROUP BY 1, 2, 3, 4`,
  // Every NDR of a backscatter message (a message bounced in two attempts sent two), by fate.
  rollup_backscatter: `SELECT ${H('m.received_at')} AS hour, m.host, m.sender_domain, nt.fate AS ndr_fate, count(*) AS n
    FROM messages m JOIN notifications nt ON nt.message = m.id AND nt.type = 'non_delivery'
    WHERE m.backscatter = 1 AND ${IN_RANGE('m.received_at')} GROUP BY 1, 2, 3, 4`,
  rollup_clients: `SELECT ${H('received_at')} AS hour, host, client_ip, max(client_name) AS client_name, max(helo) AS helo,
      count(*) AS messages, sum(outcome = 'bounced_after_accept') AS bounced, sum(backscatter) AS backscatter
    FROM messages WHERE remote = 1 AND ${IN_RANGE('received_at')} GROUP BY 1, 2, 3`,
  rollup_scanners: `SELECT ${H('time')} AS hour, host, mta, client_ip,
      count(CASE WHEN ${REJECT} THEN 1 END) AS rejects,
      count(CASE WHEN ${REJECT} AND cause = 'unknown_recipient' THEN 1 END) AS unknown_rejects,
      max(CASE WHEN ${REJECT} THEN client_name END) AS reject_name,
      count(CASE WHEN cause = 'unknown_recipient' THEN 1 END) AS unknown_any,
      max(CASE WHEN cause = 'unknown_recipient' THEN client_name END) AS unknown_name
    FROM smtp_rejects WHERE client_ip IS NOT NULL AND ${IN_RANGE('time')} GROUP BY 1, 2, 3, 4`,
  // Clients that are not remote (internal networks) by hour: with rollup_clients, every hour
  // in which a client IP sent mail, for the message list's client filter.
  rollup_local_clients: `SELECT ${H('received_at')} AS hour, host, client_ip, count(*) AS messages FROM messages
    WHERE remote IS NOT 1 AND client_ip IS NOT NULL AND ${IN_RANGE('received_at')} GROUP BY 1, 2, 3`,
  // Messages by hour and sender domain: the hours to read for the message list's sender-domain
  // filter (migration 0006).
  rollup_sender_domains: `SELECT ${H('received_at')} AS hour, host, sender_domain, count(*) AS messages, sum(backscatter) AS backscatter FROM messages
    WHERE sender_domain IS NOT NULL AND ${IN_RANGE('received_at')} GROUP BY 1, 2, 3`,
  // Failed recipients of non-local mail by the advice rule that would have stopped them
  // (src/advise/rules.ts): the messages, their NDRs and backscatter (each message once per
  // rule), and the smallest size limit a downstream announced.
  rollup_advice: `SELECT hour, host, mta, rule, count(*) AS messages, sum(ndr_count) AS ndrs, sum(backscatter) AS backscatter,
      min(size_limit) AS size_limit FROM (SELECT ${H('m.received_at')} AS hour, m.host, m.mta, ${ADVICE_RULE} AS rule, m.ndr_count, m.backscatter,
        min(bw_size_limit(r.reason)) AS size_limit
      FROM messages m JOIN recipients r ON r.message = m.id
      WHERE r.cause IS NOT NULL AND m.origin != 'local' AND ${IN_RANGE('m.received_at')} GROUP BY m.id, rule)
    GROUP BY 1, 2, 3, 4`,
  // The same recipients counted by value: recipient (lower-cased), domain, downstream relay
  // (without port) and alias (original address), for the advice's "most frequent" lists.
  // (The CTE is materialized so that the JavaScript functions run once per recipient, not per kind.)
  rollup_advice_values: `WITH f AS MATERIALIZED (SELECT ${H('m.received_at')} AS hour, m.host, m.mta, ${ADVICE_RULE} AS rule,
        bw_lower(r.address) AS a, bw_domain(r.address) AS d, bw_relay(r.relay) AS rl, r.orig_address AS o
      FROM messages m JOIN recipients r ON r.message = m.id
      WHERE r.cause IS NOT NULL AND m.origin != 'local' AND ${IN_RANGE('m.received_at')})
    SELECT hour, host, mta, rule, kind, value, count(*) AS n FROM (
      SELECT hour, host, mta, rule, 'recipient' AS kind, a AS value FROM f UNION ALL SELECT hour, host, mta, rule, 'domain', d FROM f
      UNION ALL SELECT hour, host, mta, rule, 'relay', rl FROM f UNION ALL SELECT hour, host, mta, rule, 'alias', o FROM f)
    WHERE value IS NOT NULL AND value != '' GROUP BY 1, 2, 3, 4, 5, 6`,
} as const;

export type Rollup = keyof typeof ROLLUPS;

/** Recomputes every hour marked as changed; returns how many. Runs in one transaction. */
export function refreshRollups(db: Db): number {
  const hours = (db.prepare('SELECT hour FROM rollup_dirty ORDER BY hour').all() as { hour: number }[]).map((r) => r.hour);
  if (hours.length === 0) return 0;
  registerFunctions(db);
  const tables = Object.keys(ROLLUPS) as Rollup[];
  const del = tables.map((t) => db.prepare(`DELETE FROM ${t} WHERE hour = ?`));
  const ins = tables.map((t) => db.prepare(`INSERT INTO ${t} ${ROLLUPS[t]}`));
  const undirty = db.prepare('DELETE FROM rollup_dirty WHERE hour = ?');
  db.transaction(() => {
    for (const h of hours) {
      for (const d of del) d.run(h);
      for (const i of ins) i.run({ lo: h, hi: h + HOUR });
      undirty.run(h);
    }
  })();
  return hours.length;
}

const hasRollups = new WeakMap<Db, boolean>();

/**
 * True when the rollups are up to date and may be read: brought up to date on a writable
 * connection; on a read-only one (or an unmigrated database) only if nothing is marked.
 */
export function rollupsReady(db: Db): boolean {
  let exists = hasRollups.get(db);
  if (exists === undefined) {
    exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rollup_dirty'").get() !== undefined;
    hasRollups.set(db, exists);
  }
  if (!exists) return false;
  if (!db.readonly) {
    try {
      refreshRollups(db);
      return true;
    } catch (e) {
      // Another process is writing (an import): read the raw rows rather than fail.
      if (!isBusy(e)) throw e;
    }
  }
  return db.prepare('SELECT 1 FROM rollup_dirty LIMIT 1').get() === undefined;
}

/**
 * The rows of a rollup for a period, as a subquery with its named parameters: whole hours from
 * the rollup table, the partial hours at the edges from the raw rows (the same SELECT). When
 * the rollups cannot be read, all of it from the raw rows. A period of one host takes that
 * host's rows; the callers sum over whatever rows they get, so every host is their sum.
 */
export function rollupRows(db: Db, table: Rollup, p: Period): { sql: string; params: Params } {
  const raw = ROLLUPS[table];
  registerFunctions(db);
  const only = hostOnly(p);
  const a = Math.ceil(p.from / HOUR) * HOUR;
  const b = Math.floor(p.to / HOUR) * HOUR;
  if (a >= b || !rollupsReady(db)) return { sql: `SELECT * FROM (${raw}) WHERE 1${only.cond}`, params: { lo: p.from, hi: p.to, ...only.params } };
  const edges = rawEdges(raw, p, a, b);
  const parts = [`SELECT * FROM ${table} WHERE hour >= @rollupFrom AND hour < @rollupTo${only.cond}`, ...edges.parts];
  const params: Params = { rollupFrom: a, rollupTo: b, ...edges.params };
  return { sql: parts.join('\nUNION ALL\n'), params };
}
