// Blocklists in a period, by the list's name (listName): remote refusals of this server's mail
// that name a list (failed recipients of cause `listed`), and SMTP-time rejects by cause, where
// `listed` means a list this server uses refused a client: working as intended.
import { listName } from '../correlate/blocklists.ts';
import type { Db } from '../store/db.ts';
import type { Period } from '../store/queries.ts';
import { downstreamHost } from '../store/rollups.ts';

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
export function listsRefusingUs(db: Db, p: Period, mta: string): ListCount[] {
  const rows = db.prepare(`SELECT r.reason, r.relay FROM recipients r JOIN messages m ON m.id = r.message
    WHERE r.cause = 'listed' AND m.mta = @mta AND m.origin != 'local' AND m.received_at >= @from AND m.received_at < @to
    UNION ALL SELECT nt.reason, NULL FROM notifications nt JOIN messages m ON m.id = nt.message
    WHERE nt.cause = 'listed' AND m.mta = @mta AND m.received_at >= @from AND m.received_at < @to`)
    .all({ mta, from: p.from, to: p.to }) as { reason: string | null; relay: string | null }[];
  return counted(rows.map((r) => nameOf(r.reason, r.relay)));
}

export interface RejectCause {
  cause: string;
  count: number;
  /** For `listed`: the lists this server uses that refused clients, most first. */
  lists?: ListCount[];
}

/** SMTP-time rejects (reject and milter-reject lines, as counted in `rejected_at_smtp`) by cause. */
export function rejectCauses(db: Db, p: Period): RejectCause[] {
  const rows = db.prepare(`SELECT coalesce(cause, 'other') AS cause, count(*) AS count FROM smtp_rejects
    WHERE time >= @from AND time < @to AND action IN ('reject', 'milter-reject') GROUP BY 1 ORDER BY 2 DESC, 1`)
    .all({ from: p.from, to: p.to }) as RejectCause[];
  const listed = rows.find((r) => r.cause === 'listed');
  if (listed) {
    const reasons = db.prepare(`SELECT reason FROM smtp_rejects
      WHERE time >= @from AND time < @to AND action IN ('reject', 'milter-reject') AND cause = 'listed'`)
      .pluck().all({ from: p.from, to: p.to }) as string[];
    listed.lists = counted(reasons.map((r) => nameOf(r, null)));
  }
  return rows;
}
