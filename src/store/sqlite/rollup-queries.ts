// The report's counters, the time series and the sources tables, read from the hourly rollups
// (rollups.ts). Each gives exactly what its raw-row query in queries.ts / dashboard-queries.ts
// gives; test/store/rollups.test.ts holds them equal.
import type { Db } from './db.ts';
import type { Counters, Period } from '../types.ts';
import { rollupRows, rollupSplit, type Rollup } from './rollups.ts';

function rows<T>(db: Db, table: Rollup, p: Period, outer: (src: string) => string, extra: Record<string, unknown> = {}): T[] {
  const { sql, params } = rollupRows(db, table, p);
  return db.prepare(outer(`(${sql})`)).all({ ...params, ...extra }) as T[];
}

/** The summary's message counters for a period. */
export function counters(db: Db, p: Period): Counters {
  const m = rows<Record<string, number | null>>(db, 'rollup_hours', p, (src) => `SELECT
      sum(accepted) AS accepted,
      sum(accepted_remote) AS accepted_remote,
      sum(delivered) AS delivered,
      sum(deferred) AS deferred,
      sum(bounced) AS bounced_after_accept,
      sum(ndrs) AS ndrs,
      sum(backscatter) AS backscatter,
      sum(backscatter_ndrs) AS backscatter_ndrs,
      sum(delay_backscatter) AS backscatter_delay_warnings
    FROM ${src}`)[0] ?? {};
  const r = rows<{ n: number | null }>(db, 'rollup_rejects', p, (src) => `SELECT sum(rejected) AS n FROM ${src}`)[0];
  const n = (k: string) => m[k] ?? 0;
  return {
    accepted: n('accepted'), accepted_remote: n('accepted_remote'), rejected_at_smtp: r?.n ?? 0, delivered: n('delivered'),
    deferred: n('deferred'), bounced_after_accept: n('bounced_after_accept'), ndrs: n('ndrs'), backscatter: n('backscatter'),
    backscatter_ndrs: n('backscatter_ndrs'), backscatter_delay_warnings: n('backscatter_delay_warnings'),
  };
}

const countsByKey = (list: { k: string; n: number }[]): Record<string, number> => Object.fromEntries(list.map((r) => [r.k, r.n]));

/** Failed recipients by cause, most first. */
export const causes = (db: Db, p: Period) =>
  countsByKey(rows(db, 'rollup_failed', p, (src) => `SELECT cause AS k, sum(n) AS n FROM ${src} GROUP BY cause ORDER BY n DESC, k`));

/** Backscatter NDRs by fate, most first. */
export const backscatterFates = (db: Db, p: Period) =>
  countsByKey(rows(db, 'rollup_backscatter', p, (src) => `SELECT ndr_fate AS k, sum(n) AS n FROM ${src} GROUP BY ndr_fate ORDER BY n DESC, k`));

export interface Bucketed {
  k: number;
  delivered: number;
  bounced: number;
  backscatter: number;
}

/** Time series counters by bucket start (`b` ms, a multiple of an hour). */
export function bucketed(db: Db, p: Period, b: number): { messages: Bucketed[]; rejects: { k: number; n: number }[] } {
  const messages = rows<Bucketed>(db, 'rollup_hours', p, (src) => `SELECT hour - hour % @b AS k, sum(delivered) AS delivered,
    sum(bounced) AS bounced, sum(backscatter) AS backscatter FROM ${src} GROUP BY k`, { b });
  const rejects = rows<{ k: number; n: number }>(db, 'rollup_rejects', p, (src) =>
    `SELECT hour - hour % @b AS k, sum(rejected) AS n FROM ${src} GROUP BY k`, { b });
  return { messages, rejects };
}

/**
 * The rest of a ranked sources table: sums over every row of the chosen clients only, found
 * through the rollup's client index (a client seen in few hours reads few rows).
 */
function forClients<T extends { client_ip: string | null }>(db: Db, table: Rollup, p: Period, ips: (string | null)[], select: string,
  also = '1', extra: Record<string, unknown> = {}): Map<string | null, T> {
  const out = new Map<string | null, T>();
  const named = ips.filter((ip): ip is string => ip !== null);
  const where = [...(named.length ? ['client_ip IN (SELECT value FROM json_each(@ips))'] : []), ...(named.length < ips.length ? ['client_ip IS NULL'] : [])];
  for (const w of where) {
    for (const r of rows<T>(db, table, p, (src) => `SELECT client_ip, ${select} FROM ${src} WHERE ${w} AND ${also} GROUP BY client_ip`,
      { ...extra, ips: JSON.stringify(named) })) {
      out.set(r.client_ip, r);
    }
  }
  return out;
}

type Ranked = { client_ip: string | null } & Record<string, number>;

interface RankSpec {
  /** Columns summed per client, the rows that count, the partial index that holds them. */
  cols: string[];
  where: string;
  index: string;
  having: string;
  order: string;
  /** The same HAVING and ORDER BY, in JavaScript. */
  keep: (r: Ranked) => boolean;
  cmp: (a: Ranked, b: Ranked) => number;
}

const LONG = 3 * 86_400_000;
/** SQLite's order of client IPs: NULL first, then by bytes (IPs are ASCII). */
export const byIp = (a: Ranked, b: Ranked) => (a.client_ip === b.client_ip ? 0 : a.client_ip === null ? -1 : b.client_ip === null ? 1 : a.client_ip < b.client_ip ? -1 : 1);

/**
 * The first `limit` clients of a ranked table. Over a long period the whole hours are grouped
 * straight from the partial index in client order (no sort of every client); a client seen in
 * the partial hours at the edges gets its whole-hour sums added. A client outside the whole-hour
 * first `limit` and absent from the edges cannot enter them: the ones before it only grow.
 */
function rankClients(db: Db, table: 'rollup_clients' | 'rollup_scanners', p: Period, o: RankSpec, limit: number, extra: Record<string, unknown>): Ranked[] {
  const sums = o.cols.map((c) => `sum(${c}) AS ${c}`).join(', ');
  const split = rollupSplit(db, table, p);
  const query = (src: string) => `SELECT client_ip, ${sums} FROM ${src} WHERE ${o.where} GROUP BY client_ip HAVING ${o.having} ORDER BY ${o.order} LIMIT @limit`;
  if (!split) return rows<Ranked>(db, table, p, query, { ...extra, limit });
  const hint = split.to - split.from > LONG ? ` INDEXED BY ${o.index}` : '';
  const range = { ...extra, ...split.params, from: split.from, to: split.to };
  const whole = db.prepare(`SELECT client_ip, ${sums} FROM ${table}${hint} WHERE (${o.where}) AND hour >= @from AND hour < @to${split.host}
    GROUP BY client_ip HAVING ${o.having} ORDER BY ${o.order} LIMIT @limit`).all({ ...range, limit }) as Ranked[];
  if (!split.edges) return whole;
  const merged = new Map(whole.map((r) => [r.client_ip, r]));
  const edge = db.prepare(`SELECT client_ip, ${sums} FROM (${split.edges.sql}) WHERE ${o.where} GROUP BY client_ip`).all({ ...split.edges.params, ...extra }) as Ranked[];
  const wholeOf = db.prepare(`SELECT ${sums} FROM ${table} WHERE (${o.where}) AND client_ip IS @ip AND hour >= @from AND hour < @to${split.host}`);
  for (const e of edge) {
    const w = wholeOf.get({ ...range, ip: e.client_ip }) as Record<string, number | null>;
    merged.set(e.client_ip, { ...Object.fromEntries(o.cols.map((c) => [c, (w[c] ?? 0) + e[c]!])), client_ip: e.client_ip } as Ranked);
  }
  return [...merged.values()].filter(o.keep).sort(o.cmp).slice(0, limit);
}

/**
 * Remote clients with messages bounced after accept. Ranked from the rows with a bounce or
 * backscatter only (a partial index: most clients send no bounced mail); then the messages,
 * names and HELOs of the chosen ones.
 */
export function clients(db: Db, p: Period, limit: number) {
  const ranked = rankClients(db, 'rollup_clients', p, {
    cols: ['bounced', 'backscatter'], where: 'bounced > 0 OR backscatter > 0', index: 'rollup_clients_ranked',
    having: 'sum(bounced) > 0', order: 'backscatter DESC, bounced DESC, client_ip',
    keep: (r) => r.bounced! > 0, cmp: (a, b) => b.backscatter! - a.backscatter! || b.bounced! - a.bounced! || byIp(a, b),
  }, limit, {});
  const rest = forClients<{ client_ip: string | null; client_name: string | null; helo: string | null; messages: number }>(db, 'rollup_clients', p,
    ranked.map((r) => r.client_ip), 'max(client_name) AS client_name, max(helo) AS helo, sum(messages) AS messages');
  return ranked.map((r) => {
    const x = rest.get(r.client_ip);
    return { client_ip: r.client_ip, client_name: x?.client_name ?? null, helo: x?.helo ?? null, messages: x?.messages ?? 0, bounced: r.bounced, backscatter: r.backscatter };
  });
}

/** Failed recipients by recipient domain (after the first @) and cause; unnamed ones have no domain. */
export const localDomains = (db: Db, p: Period, limit: number) =>
  rows<{ domain: string; cause: string }>(db, 'rollup_failed', p, (src) => `SELECT substr(address, instr(address, '@') + 1) AS domain,
    cause, sum(n) AS count FROM ${src} WHERE address IS NOT NULL GROUP BY domain, cause ORDER BY count DESC, domain, cause LIMIT @limit`, { limit });

/** Failed recipients by (lower-cased) address and cause; address null: the log named none. */
export const recipients = (db: Db, p: Period, limit: number) =>
  rows<{ address: string | null; cause: string }>(db, 'rollup_failed', p, (src) => `SELECT address, cause, sum(n) AS count FROM ${src}
    GROUP BY address, cause ORDER BY count DESC, address LIMIT @limit`, { limit });

export const causeRows = (db: Db, p: Period) =>
  rows<{ cause: string }>(db, 'rollup_failed', p, (src) => `SELECT cause, sum(n) AS count FROM ${src} GROUP BY cause ORDER BY count DESC, cause`);

// sum(fate = X) over messages is NULL when every fate is NULL; the iif keeps that.
const fate = (f: string) => `sum(iif(ndr_fate IS NULL, NULL, (ndr_fate = '${f}') * n)) AS ${f}`;

/** Forged sender domains that got backscatter: their NDRs, by fate. */
export const senderDomains = (db: Db, p: Period, limit: number) =>
  rows<{ sender_domain: string }>(db, 'rollup_backscatter', p, (src) => `SELECT sender_domain, sum(n) AS ndrs,
    ${['delivered', 'deferred', 'rejected', 'undeliverable', 'unknown'].map(fate).join(', ')}
    FROM ${src} GROUP BY sender_domain ORDER BY ndrs DESC, sender_domain LIMIT @limit`, { limit });

/**
 * Clients with at least `min` unknown-recipient rejects (reject, milter-reject) at SMTP time,
 * ranked from the rows with such rejects only; then the rejects and names of the chosen ones.
 */
export function scanners(db: Db, p: Period, min: number, limit: number) {
  const ranked = rankClients(db, 'rollup_scanners', p, {
    cols: ['unknown_rejects'], where: 'unknown_rejects > 0', index: 'rollup_scanners_ranked',
    having: 'sum(unknown_rejects) >= @min', order: 'unknown_rejects DESC, client_ip',
    keep: (r) => r.unknown_rejects! >= min, cmp: (a, b) => b.unknown_rejects! - a.unknown_rejects! || byIp(a, b),
  }, limit, { min }).map((r) => ({ client_ip: r.client_ip as string, unknown_recipient: r.unknown_rejects! }));
  const rest = forClients<{ client_ip: string; client_name: string | null; rejects: number }>(db, 'rollup_scanners', p,
    ranked.map((r) => r.client_ip), 'max(reject_name) AS client_name, sum(rejects) AS rejects');
  return ranked.map((r) => {
    const x = rest.get(r.client_ip);
    return { client_ip: r.client_ip, client_name: x?.client_name ?? null, rejects: x?.rejects ?? 0, unknown_recipient: r.unknown_recipient };
  });
}

/** Clients of one MTA with at least `min` unknown-recipient rejects of any action (advise). */
export function scanSuspects(db: Db, p: Period, mta: string, min: number) {
  const ranked = rankClients(db, 'rollup_scanners', p, {
    cols: ['unknown_any'], where: 'mta = @mta AND unknown_any > 0', index: 'rollup_scanners_suspects',
    having: 'sum(unknown_any) >= @min', order: 'unknown_any DESC, client_ip',
    keep: (r) => r.unknown_any! >= min, cmp: (a, b) => b.unknown_any! - a.unknown_any! || byIp(a, b),
  }, 10, { mta, min });
  const names = forClients<{ client_ip: string; client_name: string | null }>(db, 'rollup_scanners', p, ranked.map((r) => r.client_ip),
    'max(unknown_name) AS client_name', 'mta = @mta', { mta });
  return ranked.map((r) => ({ client_ip: r.client_ip as string, client_name: names.get(r.client_ip)?.client_name ?? null, unknown_recipient: r.unknown_any! }));
}
