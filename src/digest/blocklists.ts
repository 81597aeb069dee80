// The blocklist watch in a digest: our addresses listed now (since when, and the backscatter
// of the week before the listing, its likely cause), the checks that fail, and the period's
// refusals of our mail for a listing, by list and destination domain (the top few).
import { blocklistReport } from '../report/blocklist-status.ts';
import type { Store } from '../store/store.ts';
import type { Period } from '../store/types.ts';
import type { BlocklistsSummary } from './types.ts';

export const TOP_REFUSALS = 5;

export async function collectBlocklists(store: Store, p: Period): Promise<BlocklistsSummary> {
  const r = await blocklistReport(store, p);
  return {
    checked: r.checks.length,
    listed: r.checks.filter((c) => c.status === 'listed').map((c) => ({
      address: c.address, zone: c.zone, since: Date.parse(c.since), codes: c.codes, meaning: c.meaning, reasons: c.reasons,
      backscatterBefore: c.before_listing?.backscatter_ndrs ?? 0,
    })),
    failing: r.checks.filter((c) => c.last_error !== null).map((c) => ({
      address: c.address, zone: c.zone, status: c.status, error: c.last_error ?? '', checked_at: Date.parse(c.checked_at),
    })),
    refusals: r.refusals.slice(0, TOP_REFUSALS),
    refusalsTotal: r.refusals.reduce((n, x) => n + x.count, 0),
    refusalRows: r.refusals.length,
  };
}

/** The section shows when something is watched, or when a listing cost us mail in the period. */
export const hasBlocklists = (b: BlocklistsSummary): boolean => b.checked > 0 || b.refusals.length > 0;

/** "127.0.0.2: sends bounces to forged senders", or what there is of it. */
export const listAnswer = (codes: string[], meaning: string | null): string => [codes.join(', '), meaning ?? ''].filter(Boolean).join(': ');
