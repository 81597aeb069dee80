// The report's counters, the time series and the sources tables from the hourly rollups, on
// PostgreSQL (src/store/sqlite/rollup-queries.ts): the same rows in the same order. NULLs sort
// first ascending and last descending, as in SQLite.
import type { Counters, Period } from '../types.ts';
import type { Queryable } from './pg.ts';
import { rollupRows, type Rollup } from './rollups.ts';
import { all, type Params } from './sql.ts';

async function rows<T>(q: Queryable, table: Rollup, p: Period, outer: (src: string) => string, extra: Params = {}): Promise<T[]> {
  const { sql, params } = await rollupRows(q, table, p);
  return all<T>(q, outer(`(${sql}) AS src`), { ...params, ...extra });
}

/** The summary's message counters for a period. */
export async function counters(q: Queryable, p: Period): Promise<Counters> {
  const m = (await rows<Record<string, number | null>>(q, 'rollup_hours', p, (src) => `SELECT
      sum(accepted) AS accepted,
      sum(accepted_remote) AS accepted_remote,
      sum(delivered) AS delivered,
      sum(deferred) AS deferred,
      sum(bounced) AS bounced_after_accept,
      sum(ndrs) AS ndrs,
      sum(backscatter) AS backscatter,
      sum(backscatter_ndrs) AS backscatter_ndrs,
      sum(delay_backscatter) AS backscatter_delay_warnings
    FROM ${src}`))[0] ?? {};
  const r = (await rows<{ n: number | null }>(q, 'rollup_rejects', p, (src) => `SELECT sum(rejected) AS n FROM ${src}`))[0];
  const n = (k: string) => m[k] ?? 0;
  return {
    accepted: n('accepted'), accepted_remote: n('accepted_remote'), rejected_at_smtp: r?.n ?? 0, delivered: n('delivered'),
    deferred: n('deferred'), bounced_after_accept: n('bounced_after_accept'), ndrs: n('ndrs'), backscatter: n('backscatter'),
    backscatter_ndrs: n('backscatter_ndrs'), backscatter_delay_warnings: n('backscatter_delay_warnings'),
  };
}

const countsByKey = (list: { k: string; n: number }[]): Record<string, number> => Object.fromEntries(list.map((r) => [r.k, r.n]));

/** Failed recipients by cause, most first. */
export const causes = async (q: Queryable, p: Period) =>
  countsByKey(await rows(q, 'rollup_failed', p, (src) => `SELECT cause AS k, sum(n) AS n FROM ${src} GROUP BY cause ORDER BY n DESC, k`));

/** Backscatter NDRs by fate, most first. */
export const backscatterFates = async (q: Queryable, p: Period) =>
  countsByKey(await rows(q, 'rollup_backscatter', p, (src) => `SELECT ndr_fate AS k, sum(n) AS n FROM ${src} GROUP BY ndr_fate
    ORDER BY n DESC, k NULLS FIRST`));

export interface Bucketed {
  k: number;
  delivered: number;
  bounced: number;
  backscatter: number;
}

/** Time series counters by bucket start (`b` ms, a multiple of an hour). */
export async function bucketed(q: Queryable, p: Period, b: number): Promise<{ messages: Bucketed[]; rejects: { k: number; n: number }[] }> {
  const messages = await rows<Bucketed>(q, 'rollup_hours', p, (src) => `SELECT hour - hour % @b::bigint AS k, sum(delivered) AS delivered,
    sum(bounced) AS bounced, sum(backscatter) AS backscatter FROM ${src} GROUP BY 1 ORDER BY 1`, { b });
  const rejects = await rows<{ k: number; n: number }>(q, 'rollup_rejects', p, (src) =>
    `SELECT hour - hour % @b::bigint AS k, sum(rejected) AS n FROM ${src} GROUP BY 1 ORDER BY 1`, { b });
  return { messages, rejects };
}

/** Sums over every row of the chosen clients only (by client_ip; NULL is a client too). */
async function forClients<T extends { client_ip: string | null }>(q: Queryable, table: Rollup, p: Period, ips: (string | null)[], select: string,
  also = 'true', extra: Params = {}): Promise<Map<string | null, T>> {
  const out = new Map<string | null, T>();
  if (ips.length === 0) return out;
  const named = ips.filter((ip): ip is string => ip !== null);
  const where = `(client_ip = ANY(@ips::text[])${named.length < ips.length ? ' OR client_ip IS NULL' : ''})`;
  for (const r of await rows<T>(q, table, p, (src) => `SELECT client_ip, ${select} FROM ${src} WHERE ${where} AND ${also} GROUP BY client_ip`,
    { ...extra, ips: named })) {
    out.set(r.client_ip, r);
  }
  return out;
}

type Ranked = { client_ip: string | null } & Record<string, number>;

/** The first `limit` clients by `order` of the rows that match `where`, summed per client. */
async function rankClients(q: Queryable, table: 'rollup_clients' | 'rollup_scanners', p: Period, o: { cols: string[]; where: string; having: string; order: string },
  limit: number, extra: Params): Promise<Ranked[]> {
  const sums = o.cols.map((c) => `sum(${c}) AS ${c}`).join(', ');
  return rows<Ranked>(q, table, p, (src) => `SELECT client_ip, ${sums} FROM ${src} WHERE ${o.where} GROUP BY client_ip
    HAVING ${o.having} ORDER BY ${o.order} LIMIT @limit`, { ...extra, limit });
}

/** Remote clients with messages bounced after accept, then the messages, names and HELOs of the chosen ones. */
export async function clients(q: Queryable, p: Period, limit: number) {
  const ranked = await rankClients(q, 'rollup_clients', p, {
    cols: ['bounced', 'backscatter'], where: '(bounced > 0 OR backscatter > 0)',
    having: 'sum(bounced) > 0', order: 'backscatter DESC, bounced DESC, client_ip NULLS FIRST',
  }, limit, {});
  const rest = await forClients<{ client_ip: string | null; client_name: string | null; helo: string | null; messages: number }>(q, 'rollup_clients', p,
    ranked.map((r) => r.client_ip), 'max(client_name) AS client_name, max(helo) AS helo, sum(messages) AS messages');
  return ranked.map((r) => {
    const x = rest.get(r.client_ip);
    return { client_ip: r.client_ip, client_name: x?.client_name ?? null, helo: x?.helo ?? null, messages: x?.messages ?? 0, bounced: r.bounced, backscatter: r.backscatter };
  });
}

/** Failed recipients by recipient domain (after the first @) and cause; unnamed ones have no domain. */
export const localDomains = (q: Queryable, p: Period, limit: number) =>
  rows<{ domain: string; cause: string }>(q, 'rollup_failed', p, (src) => `SELECT substr(address, strpos(address, '@') + 1) AS domain,
    cause, sum(n) AS count FROM ${src} WHERE address IS NOT NULL GROUP BY 1, cause ORDER BY count DESC, domain, cause LIMIT @limit`, { limit });

/** Failed recipients by (lower-cased) address and cause; address null: the log named none. */
export const recipients = (q: Queryable, p: Period, limit: number) =>
  rows<{ address: string | null; cause: string }>(q, 'rollup_failed', p, (src) => `SELECT address, cause, sum(n) AS count FROM ${src}
    GROUP BY address, cause ORDER BY count DESC, address NULLS FIRST LIMIT @limit`, { limit });

export const causeRows = (q: Queryable, p: Period) =>
  rows<{ cause: string }>(q, 'rollup_failed', p, (src) => `SELECT cause, sum(n) AS count FROM ${src} GROUP BY cause ORDER BY count DESC, cause`);

// NULL when every fate is NULL, as SQLite's sum(iif(...)).
const fate = (f: string) => `sum(CASE WHEN ndr_fate IS NULL THEN NULL WHEN ndr_fate = '${f}' THEN n ELSE 0 END) AS ${f}`;

/** Forged sender domains that got backscatter: their NDRs, by fate. */
export const senderDomains = (q: Queryable, p: Period, limit: number) =>
  rows<{ sender_domain: string }>(q, 'rollup_backscatter', p, (src) => `SELECT sender_domain, sum(n) AS ndrs,
    ${['delivered', 'deferred', 'rejected', 'undeliverable', 'unknown'].map(fate).join(', ')}
    FROM ${src} GROUP BY sender_domain ORDER BY ndrs DESC, sender_domain NULLS FIRST LIMIT @limit`, { limit });

/** Clients with at least `min` unknown-recipient rejects (reject, milter-reject) at SMTP time, then their rejects and names. */
export async function scanners(q: Queryable, p: Period, min: number, limit: number) {
  const ranked = (await rankClients(q, 'rollup_scanners', p, {
    cols: ['unknown_rejects'], where: 'unknown_rejects > 0', having: 'sum(unknown_rejects) >= @min', order: 'unknown_rejects DESC, client_ip',
  }, limit, { min })).map((r) => ({ client_ip: r.client_ip as string, unknown_recipient: r.unknown_rejects! }));
  const rest = await forClients<{ client_ip: string; client_name: string | null; rejects: number }>(q, 'rollup_scanners', p,
    ranked.map((r) => r.client_ip), 'max(reject_name) AS client_name, sum(rejects) AS rejects');
  return ranked.map((r) => {
    const x = rest.get(r.client_ip);
    return { client_ip: r.client_ip, client_name: x?.client_name ?? null, rejects: x?.rejects ?? 0, unknown_recipient: r.unknown_recipient };
  });
}

/** Clients of one MTA with at least `min` unknown-recipient rejects of any action (advise). */
export async function scanSuspects(q: Queryable, p: Period, mta: string, min: number) {
  const ranked = await rankClients(q, 'rollup_scanners', p, {
    cols: ['unknown_any'], where: 'mta = @mta AND unknown_any > 0', having: 'sum(unknown_any) >= @min', order: 'unknown_any DESC, client_ip',
  }, 10, { mta, min });
  const names = await forClients<{ client_ip: string; client_name: string | null }>(q, 'rollup_scanners', p, ranked.map((r) => r.client_ip),
    'max(unknown_name) AS client_name', 'mta = @mta', { mta });
  return ranked.map((r) => ({ client_ip: r.client_ip as string, client_name: names.get(r.client_ip)?.client_name ?? null, unknown_recipient: r.unknown_any! }));
}
