// Totals over everything stored, for /metrics, on PostgreSQL (src/store/sqlite/metrics.ts): from
// the rollups (their clean hours, the marked ones from the raw rows), and the followers' gaps.
import type { MetricTotals } from '../types.ts';
import type { Queryable } from './pg.ts';
import { HOUR, rollupRows } from './rollups.ts';
import { all, one } from './sql.ts';

/** All of time, in whole hours (no partial hours at the edges). */
const EVER = { from: -HOUR * 2_000_000_000, to: HOUR * 2_000_000_000 };

/** Gaps the followers reported (lines they could not read), by reason. */
export async function countGaps(q: Queryable): Promise<Record<string, number>> {
  const rows = await all<{ reason: string; n: number }>(q, 'SELECT reason, count(*) AS n FROM follower_gaps GROUP BY reason ORDER BY reason');
  return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
}

export async function metricTotals(q: Queryable): Promise<MetricTotals> {
  const hours = await rollupRows(q, 'rollup_hours', EVER);
  const failed = await rollupRows(q, 'rollup_failed', EVER);
  const rejects = await rollupRows(q, 'rollup_rejects', EVER);
  // The outcomes in SQLite's order, those with none left out.
  const outcomes = await all<{ outcome: string; n: number }>(q, `WITH h AS (${hours.sql})
    SELECT outcome, n FROM (SELECT 1 AS k, 'delivered' AS outcome, sum(delivered) AS n FROM h
      UNION ALL SELECT 2, 'bounced_after_accept', sum(o_bounced) FROM h UNION ALL SELECT 3, 'rejected_at_smtp', sum(o_rejected) FROM h
      UNION ALL SELECT 4, 'discarded', sum(o_discarded) FROM h UNION ALL SELECT 5, 'pending', sum(o_pending) FROM h) AS o
    WHERE n > 0 ORDER BY k`, hours.params);
  const causes = await all<{ cause: string; n: number }>(q, `SELECT cause, sum(n) AS n FROM (${failed.sql}) AS f GROUP BY cause ORDER BY cause`, failed.params);
  const n = async (sql: string, params: Record<string, unknown>) => (await one<{ n: number | null }>(q, sql, params))?.n ?? 0;
  const l = (await one<{ mail: number | null; unknown: number | null; other: number | null }>(q,
    'SELECT sum(mail) AS mail, sum(unknown) AS unknown, sum(other) AS other FROM line_counts'))!;
  return {
    outcomes,
    causes,
    backscatterNdrs: await n(`SELECT sum(backscatter_ndrs) AS n FROM (${hours.sql}) AS h`, hours.params),
    smtpRejects: await n(`SELECT sum(rejected) AS n FROM (${rejects.sql}) AS r`, rejects.params),
    lines: { mail: l.mail ?? 0, unknown: l.unknown ?? 0, other: l.other ?? 0 },
    gaps: await countGaps(q),
  };
}
