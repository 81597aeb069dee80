// The report's counters, the time series and the sources tables, read from the hourly rollups
// (rollups.ts). Each gives exactly what its raw-row query in queries.ts / dashboard-queries.ts
// gives; test/store/rollups.test.ts holds them equal.
import type { Db } from './db.ts';
import type { Period } from './queries.ts';
import { rollupRows, type Rollup } from './rollups.ts';

function rows<T>(db: Db, table: Rollup, p: Period, outer: (src: string) => string, extra: Record<string, unknown> = {}): T[] {
  const { sql, params } = rollupRows(db, table, p);
  return db.prepare(outer(`(${sql})`)).all({ ...params, ...extra }) as T[];
}

export interface Counters {
  accepted: number;
  accepted_remote: number;
  rejected_at_smtp: number;
  delivered: number;
  deferred: number;
  bounced_after_accept: number;
  ndrs: number;
  backscatter: number;
}

/** The summary's message counters for a period. */
export function counters(db: Db, p: Period): Counters {
  const m = rows<Record<string, number | null>>(db, 'rollup_hours', p, (src) => `SELECT sum(accepted) AS accepted,
    sum(accepted_remote) AS accepted_remote, sum(delivered) AS delivered, sum(deferred) AS deferred,
    sum(bounced) AS bounced_after_accept, sum(ndrs) AS ndrs, sum(backscatter) AS backscatter FROM ${src}`)[0] ?? {};
  const r = rows<{ n: number | null }>(db, 'rollup_rejects', p, (src) => `SELECT sum(rejected) AS n FROM ${src}`)[0];
  const n = (k: string) => m[k] ?? 0;
  return {
    accepted: n('accepted'), accepted_remote: n('accepted_remote'), rejected_at_smtp: r?.n ?? 0, delivered: n('delivered'),
    deferred: n('deferred'), bounced_after_accept: n('bounced_after_accept'), ndrs: n('ndrs'), backscatter: n('backscatter'),
  };
}

const toRecord = (list: { k: string; n: number }[]): Record<string, number> => Object.fromEntries(list.map((r) => [r.k, r.n]));

/** Failed recipients by cause, most first. */
export const causes = (db: Db, p: Period) =>
  toRecord(rows(db, 'rollup_failed', p, (src) => `SELECT cause AS k, sum(n) AS n FROM ${src} GROUP BY cause ORDER BY n DESC, k`));

/** Backscatter NDRs by fate, most first. */
export const backscatterFates = (db: Db, p: Period) =>
  toRecord(rows(db, 'rollup_backscatter', p, (src) => `SELECT ndr_fate AS k, sum(n) AS n FROM ${src} GROUP BY ndr_fate ORDER BY n DESC, k`));

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

/** Remote clients with messages bounced after accept. */
export const clients = (db: Db, p: Period, limit: number) =>
  rows<{ client_ip: string }>(db, 'rollup_clients', p, (src) => `SELECT client_ip, max(client_name) AS client_name, max(helo) AS helo,
      sum(messages) AS messages, sum(bounced) AS bounced, sum(backscatter) AS backscatter
    FROM ${src} GROUP BY client_ip HAVING bounced > 0 ORDER BY backscatter DESC, bounced DESC, client_ip LIMIT @limit`, { limit });

/** Failed recipients by recipient domain (after the first @) and cause. */
export const localDomains = (db: Db, p: Period, limit: number) =>
  rows<{ domain: string; cause: string }>(db, 'rollup_failed', p, (src) => `SELECT substr(address, instr(address, '@') + 1) AS domain,
    cause, sum(n) AS count FROM ${src} GROUP BY domain, cause ORDER BY count DESC, domain, cause LIMIT @limit`, { limit });

/** Failed recipients by (lower-cased) address and cause. */
export const recipients = (db: Db, p: Period, limit: number) =>
  rows<{ address: string; cause: string }>(db, 'rollup_failed', p, (src) => `SELECT address, cause, sum(n) AS count FROM ${src}
    GROUP BY address, cause ORDER BY count DESC, address LIMIT @limit`, { limit });

export const causeRows = (db: Db, p: Period) =>
  rows<{ cause: string }>(db, 'rollup_failed', p, (src) => `SELECT cause, sum(n) AS count FROM ${src} GROUP BY cause ORDER BY count DESC, cause`);

// sum(fate = X) over messages is NULL when every fate is NULL; the iif keeps that.
const fate = (f: string) => `sum(iif(ndr_fate IS NULL, NULL, (ndr_fate = '${f}') * n)) AS ${f}`;

/** Forged sender domains that got backscatter, by NDR fate. */
export const senderDomains = (db: Db, p: Period, limit: number) =>
  rows<{ sender_domain: string }>(db, 'rollup_backscatter', p, (src) => `SELECT sender_domain, sum(n) AS ndrs,
    ${['delivered', 'deferred', 'rejected', 'undeliverable', 'unknown'].map(fate).join(', ')}
    FROM ${src} GROUP BY sender_domain ORDER BY ndrs DESC, sender_domain LIMIT @limit`, { limit });

/** Clients with at least `min` unknown-recipient rejects (reject, milter-reject) at SMTP time. */
export const scanners = (db: Db, p: Period, min: number, limit: number) =>
  rows<{ client_ip: string }>(db, 'rollup_scanners', p, (src) => `SELECT client_ip, max(reject_name) AS client_name,
    sum(rejects) AS rejects, sum(unknown_rejects) AS unknown_recipient FROM ${src} GROUP BY client_ip
    HAVING unknown_recipient >= @min ORDER BY unknown_recipient DESC, client_ip LIMIT @limit`, { min, limit });

/** Clients of one MTA with at least `min` unknown-recipient rejects of any action (advise). */
export const scanSuspects = (db: Db, p: Period, mta: string, min: number) =>
  rows<{ client_ip: string; client_name: string | null; unknown_recipient: number }>(db, 'rollup_scanners', p, (src) =>
    `SELECT client_ip, max(unknown_name) AS client_name, sum(unknown_any) AS unknown_recipient FROM ${src}
    WHERE mta = @mta AND unknown_any > 0 GROUP BY client_ip HAVING unknown_recipient >= @min
    ORDER BY unknown_recipient DESC, client_ip LIMIT 10`, { mta, min });
