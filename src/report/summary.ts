// The report object (`report --json`, and later /api/summary and the digest): what
// accept-then-bounce this server did in a period, and why. Exactly the contract's keys.
import type { Store } from '../store/store.ts';
import type { Counters, LineCounts } from '../store/types.ts';

export interface Summary extends Counters {
  from: string;
  to: string;
  lines: LineCounts;
  causes: Record<string, number>;
  backscatter_fates: Record<string, number>;
}

/** With `host`, one MTA host's share (its lines are every host's: see lineTotals). */
export async function summarize(store: Store, from?: number, to?: number, host?: string): Promise<Summary> {
  const p = await store.period(from, to, host);
  return {
    from: new Date(p.from).toISOString(),
    to: new Date(p.to).toISOString(),
    lines: await store.lineTotals(p),
    ...(await store.counters(p)),
    causes: await store.causes(p),
    backscatter_fates: await store.backscatterFates(p),
  };
}
