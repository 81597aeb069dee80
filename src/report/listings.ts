// Blocklists in a period, by the list's name (listName): remote refusals of this server's mail
// that name a list (failed recipients of cause `listed`), and SMTP-time rejects by cause, where
// `listed` means a list this server uses refused a client: working as intended.
import { listName } from '../correlate/blocklists.ts';
import { domainOf } from '../correlate/record.ts';
import { downstreamHost } from '../correlate/relays.ts';
import type { Store } from '../store/store.ts';
import type { Mta, Period, RejectCount } from '../store/types.ts';

export interface ListCount {
  list: string;
  count: number;
}

/** A refusal that names no list is the receiver's own list: named by the receiver. */
function nameOf(reason: string | null, relay: string | null): string {
  const list = listName(reason);
  if (list !== null) return list;
  const host = downstreamHost(relay);
  return host === null ? '(list not named)' : `(own list of ${host})`;
}

function counted(names: Iterable<string>): ListCount[] {
  const by = new Map<string, number>();
  for (const n of names) by.set(n, (by.get(n) ?? 0) + 1);
  return [...by].map(([list, count]) => ({ list, count })).sort((a, b) => b.count - a.count || a.list.localeCompare(b.list));
}

/**
 * Lists that refused this server's mail, for one MTA: its failed recipients of cause `listed`
 * in messages received in the period (not local submissions, as the advice rollups count),
 * and its notifications (NDRs, warnings) refused for a listing.
 */
export async function listsRefusingUs(store: Store, p: Period, mta: Mta): Promise<ListCount[]> {
  return counted((await store.listedRefusals(p, mta)).map((r) => nameOf(r.reason, r.relay)));
}

export interface DomainRefusals {
  list: string;
  /** The destination domain that refused (the recipient's, or the NDR recipient's); null: the log names no address. */
  domain: string | null;
  count: number;
}

/**
 * Our mail refused for a listing, by list and destination domain, both MTAs: where being
 * listed costs deliveries (and which receivers check which list).
 */
export async function refusalsByDomain(store: Store, p: Period): Promise<DomainRefusals[]> {
  const by = new Map<string, DomainRefusals>();
  for (const mta of ['postfix', 'exim'] as const) {
    for (const r of await store.listedRefusals(p, mta)) {
      const list = nameOf(r.reason, r.relay);
      const domain = r.to && r.to.includes('@') ? domainOf(r.to).toLowerCase() : null;
      const k = `${list}\u0000${domain ?? ''}`;
      const row = by.get(k) ?? { list, domain, count: 0 };
      row.count++;
      by.set(k, row);
    }
  }
  return [...by.values()].sort((a, b) => b.count - a.count || a.list.localeCompare(b.list) || (a.domain ?? '').localeCompare(b.domain ?? ''));
}

export interface RejectCause extends RejectCount {
  /** For `listed`: the lists this server uses that refused clients, most first. */
  lists?: ListCount[];
}

/** SMTP-time rejects (reject and milter-reject lines, as counted in `rejected_at_smtp`) by cause. */
export async function rejectCauses(store: Store, p: Period): Promise<RejectCause[]> {
  const rows: RejectCause[] = await store.rejectCauses(p);
  const listed = rows.find((r) => r.cause === 'listed');
  if (listed) listed.lists = counted((await store.listedRejectReasons(p)).map((r) => nameOf(r, null)));
  return rows;
}
