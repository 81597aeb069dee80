// The report object (`report --json`, and later /api/summary and the digest): what
// accept-then-bounce this server did in a period, and why. Exactly the contract's keys.
import type { Db } from '../store/db.ts';
import * as q from '../store/queries.ts';
import * as r from '../store/rollup-queries.ts';

export interface Summary extends r.Counters {
  from: string;
  to: string;
  lines: { total: number; mail: number; unknown: number; other: number };
  causes: Record<string, number>;
  backscatter_fates: Record<string, number>;
}

export function summarize(db: Db, from?: number, to?: number): Summary {
  const p = q.resolvePeriod(db, from, to);
  // Counters from the hourly rollups (test/store/rollups.test.ts holds them equal to the raw rows).
  return {
    from: new Date(p.from).toISOString(),
    to: new Date(p.to).toISOString(),
    lines: q.lineTotals(db, p),
    ...r.counters(db, p),
    causes: r.causes(db, p),
    backscatter_fates: r.backscatterFates(db, p),
  };
}
