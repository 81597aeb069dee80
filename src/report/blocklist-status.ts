// The blocklist watch as the API, the dashboard and the digest show it: each of our addresses
// at each list (status, since when, what the list said), a listing tied to the backscatter of
// the week before it (what most likely caused it, and the evidence to fix first), and our mail
// refused for listings in the period, by list and destination domain.
import type { Store } from '../store/store.ts';
import type { BlocklistRow, Period } from '../store/types.ts';
import { refusalsByDomain, type DomainRefusals } from './listings.ts';

const WEEK = 7 * 86_400_000;

export interface BlocklistView {
  address: string;
  zone: string;
  status: BlocklistRow['status'];
  since: string;
  checked_at: string;
  codes: string[];
  reasons: string[];
  meaning: string | null;
  last_error: string | null;
  checked_by: string;
  /** A listing: the backscatter of the week before it, and the messages behind it (dashboard link, relative). */
  before_listing: { from: string; to: string; backscatter_ndrs: number; accepted: number; link: string } | null;
}

export interface BlocklistReport {
  checks: BlocklistView[];
  listed: number;
  refusals: DomainRefusals[];
}

const iso = (t: number) => new Date(t).toISOString();

export async function blocklistReport(store: Store, p: Period): Promise<BlocklistReport> {
  const checks: BlocklistView[] = [];
  for (const r of await store.blocklistStatus()) {
    let before: BlocklistView['before_listing'] = null;
    if (r.status === 'listed') {
      const w = { from: r.since - WEEK, to: r.since };
      const c = await store.counters(w);
      before = {
        from: iso(w.from), to: iso(w.to), backscatter_ndrs: c.backscatter_ndrs, accepted: c.accepted,
        link: `messages.html?${new URLSearchParams({ backscatter: '1', from: iso(w.from), to: iso(w.to) })}`,
      };
    }
    checks.push({
      address: r.address, zone: r.zone, status: r.status, since: iso(r.since), checked_at: iso(r.checked_at), codes: r.codes, reasons: r.reasons,
      meaning: r.meaning, last_error: r.last_error, checked_by: r.agent, before_listing: before,
    });
  }
  return { checks, listed: checks.filter((c) => c.status === 'listed').length, refusals: await refusalsByDomain(store, p) };
}
