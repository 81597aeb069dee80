// Refusals that name a blocklist: our mail refused for a listing (recipients and notifications
// of cause `listed`), and the SMTP-time rejects by cause. Naming the list is the report's job
// (src/report/listings.ts); these are the rows.
import type { Db } from './db.ts';
import type { Mta, Period, Refusal, RejectCount } from '../types.ts';

/**
 * One MTA's failed recipients of cause `listed` in messages received in the period (not local
 * submissions, as the advice rollups count), and its notifications refused for a listing.
 */
export function listedRefusals(db: Db, p: Period, mta: Mta): Refusal[] {
  return db.prepare(`SELECT r.reason, r.relay FROM recipients r JOIN messages m ON m.id = r.message
    WHERE r.cause = 'listed' AND m.mta = @mta AND m.origin != 'local' AND m.received_at >= @from AND m.received_at < @to
    UNION ALL SELECT nt.reason, NULL FROM notifications nt JOIN messages m ON m.id = nt.message
    WHERE nt.cause = 'listed' AND m.mta = @mta AND m.received_at >= @from AND m.received_at < @to`)
    .all({ mta, from: p.from, to: p.to }) as Refusal[];
}

/** SMTP-time rejects (reject and milter-reject lines, as counted in `rejected_at_smtp`) by cause, most first. */
export function rejectCauses(db: Db, p: Period): RejectCount[] {
  return db.prepare(`SELECT coalesce(cause, 'other') AS cause, count(*) AS count FROM smtp_rejects
    WHERE time >= @from AND time < @to AND action IN ('reject', 'milter-reject') GROUP BY 1 ORDER BY 2 DESC, 1`)
    .all({ from: p.from, to: p.to }) as RejectCount[];
}

/** The reply texts of the period's SMTP-time rejects of cause `listed`. */
export function listedRejectReasons(db: Db, p: Period): string[] {
  return db.prepare(`SELECT reason FROM smtp_rejects
    WHERE time >= @from AND time < @to AND action IN ('reject', 'milter-reject') AND cause = 'listed'`)
    .pluck().all({ from: p.from, to: p.to }) as string[];
}
