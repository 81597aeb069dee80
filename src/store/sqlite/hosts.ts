// The per-host split of a period (a fleet: several MTA hosts in one database): each host's
// counters, from the hourly rollups, which keep the host and MTA of every row.
import type { Db } from './db.ts';
import type { HostTotals, Mta, Period } from '../types.ts';
import { rollupRows } from './rollups.ts';

type Sums = Omit<HostTotals, 'mtas' | 'rejected_at_smtp'>;

/** The rows of both rollups, per host and MTA, joined into one HostTotals per host (shared by the PostgreSQL twin). */
export function mergeHostTotals(messages: (Sums & { mta: Mta })[], rejects: { host: string; mta: Mta; n: number }[]): HostTotals[] {
  const out = new Map<string, HostTotals>();
  const of = (host: string, mta: Mta) => {
    let t = out.get(host);
    if (!t) out.set(host, (t = { host, mtas: [], accepted: 0, rejected_at_smtp: 0, bounced_after_accept: 0, ndrs: 0, backscatter: 0, backscatter_ndrs: 0 }));
    if (!t.mtas.includes(mta)) t.mtas.push(mta);
    return t;
  };
  for (const { mta, host, ...r } of messages) {
    const t = of(host, mta);
    for (const k of ['accepted', 'bounced_after_accept', 'ndrs', 'backscatter', 'backscatter_ndrs'] as const) t[k] += Number(r[k]);
  }
  for (const r of rejects) of(r.host, r.mta).rejected_at_smtp += Number(r.n);
  for (const t of out.values()) t.mtas.sort();
  // Sorted here, in code-unit order, so that both backends give one order.
  return [...out.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}

const MESSAGES = (src: string) => `SELECT host, mta, sum(accepted) AS accepted, sum(bounced) AS bounced_after_accept, sum(ndrs) AS ndrs,
  sum(backscatter) AS backscatter, sum(backscatter_ndrs) AS backscatter_ndrs FROM ${src} GROUP BY host, mta`;

/** Each host's counters in the period (the summary's, per host), by host name. */
export function hostTotals(db: Db, p: Period): HostTotals[] {
  const m = rollupRows(db, 'rollup_hours', p);
  const r = rollupRows(db, 'rollup_rejects', p);
  return mergeHostTotals(
    db.prepare(MESSAGES(`(${m.sql})`)).all(m.params) as (Sums & { mta: Mta })[],
    db.prepare(`SELECT host, mta, sum(rejected) AS n FROM (${r.sql}) GROUP BY host, mta`).all(r.params) as { host: string; mta: Mta; n: number }[],
  );
}
