// Totals over everything stored, for /metrics: from the hourly rollups when they are ready,
// else from the raw rows (a database another process is still filling).
import type { Db } from './db.ts';
import { countGaps } from './positions.ts';
import { rollupsReady } from './rollups.ts';
import type { MetricTotals } from '../types.ts';

const OUTCOMES_ROLLED = `SELECT outcome, n FROM (SELECT 'delivered' AS outcome, sum(delivered) AS n FROM rollup_hours
  UNION ALL SELECT 'bounced_after_accept', sum(o_bounced) FROM rollup_hours UNION ALL SELECT 'rejected_at_smtp', sum(o_rejected) FROM rollup_hours
  UNION ALL SELECT 'discarded', sum(o_discarded) FROM rollup_hours UNION ALL SELECT 'pending', sum(o_pending) FROM rollup_hours) WHERE n > 0`;
const OUTCOMES_RAW = 'SELECT outcome, count(*) AS n FROM messages GROUP BY outcome';
const CAUSES_ROLLED = 'SELECT cause, sum(n) AS n FROM rollup_failed GROUP BY cause';
const CAUSES_RAW = 'SELECT cause, count(*) AS n FROM recipients WHERE cause IS NOT NULL GROUP BY cause';
const BACKSCATTER_ROLLED = 'SELECT sum(backscatter_ndrs) AS n FROM rollup_hours';
const BACKSCATTER_RAW = `SELECT count(*) AS n FROM notifications nt JOIN messages m ON m.id = nt.message
  WHERE m.backscatter = 1 AND nt.type = 'non_delivery'`;
const REJECTS_ROLLED = 'SELECT sum(rejected) AS n FROM rollup_rejects';
const REJECTS_RAW = "SELECT count(*) AS n FROM smtp_rejects WHERE action IN ('reject', 'milter-reject')";
const LINES = `SELECT
    sum(mail) AS mail,
    sum(unknown) AS unknown,
    sum(other) AS other
  FROM line_counts`;

export function metricTotals(db: Db): MetricTotals {
  const rolled = rollupsReady(db);
  const all = <T>(sql: string) => db.prepare(sql).all() as T[];
  const one = (sql: string) => (db.prepare(sql).get() as { n: number | null } | undefined)?.n ?? 0;
  const l = db.prepare(LINES).get() as { mail: number | null; unknown: number | null; other: number | null };
  return {
    outcomes: all(rolled ? OUTCOMES_ROLLED : OUTCOMES_RAW),
    causes: all(rolled ? CAUSES_ROLLED : CAUSES_RAW),
    backscatterNdrs: one(rolled ? BACKSCATTER_ROLLED : BACKSCATTER_RAW),
    smtpRejects: one(rolled ? REJECTS_ROLLED : REJECTS_RAW),
    lines: { mail: l.mail ?? 0, unknown: l.unknown ?? 0, other: l.other ?? 0 },
    gaps: countGaps(db),
  };
}
