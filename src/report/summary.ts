// The report object (`report --json`, and later /api/summary and the digest): what
// accept-then-bounce this server did in a period, and why. Exactly the contract's keys.
import type { Db } from '../store/db.ts';
import * as q from '../store/queries.ts';

export interface Summary {
  from: string;
  to: string;
  lines: { total: number; mail: number; unknown: number; other: number };
  accepted: number;
  accepted_remote: number;
  rejected_at_smtp: number;
  delivered: number;
  deferred: number;
  bounced_after_accept: number;
  ndrs: number;
  backscatter: number;
  causes: Record<string, number>;
  backscatter_fates: Record<string, number>;
}

export function summarize(db: Db, from?: number, to?: number): Summary {
  const p = q.resolvePeriod(db, from, to);
  return {
    from: new Date(p.from).toISOString(),
    to: new Date(p.to).toISOString(),
    lines: q.lineTotals(db, p),
    accepted: q.accepted(db, p),
    accepted_remote: q.acceptedRemote(db, p),
    rejected_at_smtp: q.rejectedAtSmtp(db, p),
    delivered: q.delivered(db, p),
    deferred: q.deferred(db, p),
    bounced_after_accept: q.bouncedAfterAccept(db, p),
    ndrs: q.ndrs(db, p),
    backscatter: q.backscatter(db, p),
    causes: q.causes(db, p),
    backscatter_fates: q.backscatterFates(db, p),
  };
}
