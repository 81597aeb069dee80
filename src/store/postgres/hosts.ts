// The per-host split of a period on PostgreSQL (src/store/sqlite/hosts.ts): each host's
// counters from the hourly rollups, merged and ordered by the same function.
import { mergeHostTotals } from '../sqlite/hosts.ts';
import type { HostTotals, Mta, Period } from '../types.ts';
import type { Queryable } from './pg.ts';
import { rollupRows } from './rollups.ts';
import { all } from './sql.ts';

type Sums = Omit<HostTotals, 'mtas' | 'rejected_at_smtp'> & { mta: Mta };

/** Each host's counters in the period (the summary's, per host), by host name. */
export async function hostTotals(q: Queryable, p: Period): Promise<HostTotals[]> {
  const m = await rollupRows(q, 'rollup_hours', p);
  const r = await rollupRows(q, 'rollup_rejects', p);
  return mergeHostTotals(
    await all<Sums>(q, `SELECT host, mta, sum(accepted) AS accepted, sum(bounced) AS bounced_after_accept, sum(ndrs) AS ndrs,
      sum(backscatter) AS backscatter, sum(backscatter_ndrs) AS backscatter_ndrs FROM (${m.sql}) AS src GROUP BY host, mta`, m.params),
    await all<{ host: string; mta: Mta; n: number }>(q, `SELECT host, mta, sum(rejected) AS n FROM (${r.sql}) AS src GROUP BY host, mta`, r.params),
  );
}
