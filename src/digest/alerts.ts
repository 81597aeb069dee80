// The alerts of a digest's period: how many started in it, by rule, and the newest few with
// their state. A period of one host counts that host's alerts and those about no host.
import type { Store } from '../store/store.ts';
import type { Period } from '../store/types.ts';
import type { AlertsSummary } from './types.ts';

export const TOP_ALERTS = 5;
/** The most alerts read for one digest; more than this is shown as "at least". */
export const MAX_ALERTS = 1000;

export async function collectAlerts(store: Store, p: Period): Promise<AlertsSummary> {
  const read = await store.alerts({ from: p.from, to: p.to, limit: MAX_ALERTS });
  const rows = read.filter((a) => p.host === undefined || a.host === p.host || a.host === null);
  const byRule = new Map<string, number>();
  for (const a of rows) byRule.set(a.rule, (byRule.get(a.rule) ?? 0) + 1);
  return {
    total: rows.length,
    capped: read.length >= MAX_ALERTS,
    byRule: [...byRule].map(([rule, count]) => ({ rule, count })).sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule)),
    // The store hands them out newest first.
    recent: rows.slice(0, TOP_ALERTS).map((a) => ({
      rule: a.rule, host: a.host, state: a.state, title: a.title, started_at: a.started_at, resolved_at: a.resolved_at,
    })),
  };
}
