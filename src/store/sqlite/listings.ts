// Refusals that name a blocklist: our mail refused for a listing (recipients and notifications
// of cause `listed`), and the SMTP-time rejects by cause. Naming the list is the report's job
// (src/report/listings.ts); these are the rows.
import type { Db } from './db.ts';
import type { Mta, Period, Refusal, RejectCount } from '../types.ts';

/** The period's host, when it names one (@host NULL: every host). */
const ONLY = (col: string) => ` AND (@host IS NULL OR ${col} = @host)`;
const args = (p: Period) => ({ from: p.from, to: p.to, host: p.host ?? null });

/**
 * One MTA's failed recipients of cause `listed` in messages received in the period (not local
 * submissions, as the advice rollups count), and its notifications refused for a listing.
 */
export function listedRefusals(db: Db, p: Period, mta: Mta): Refusal[] {
  return db.prepare(`SELECT r.reason, r.relay, r.address AS "to" FROM recipients r JOIN messages m ON m.id = r.message
    WHERE r.cause = 'listed' AND m.mta = @mta AND m.origin != 'local' AND m.received_at >= @from AND m.received_at < @to${ONLY('m.host')}
    UNION ALL SELECT nt.reason, NULL, nt.rcpt FROM notifications nt JOIN messages m ON m.id = nt.message
    WHERE nt.cause = 'listed' AND m.mta = @mta AND m.received_at >= @from AND m.received_at < @to${ONLY('m.host')}`)
    .all({ mta, ...args(p) }) as Refusal[];
}

/** SMTP-time rejects (reject and milter-reject lines, as counted in `rejected_at_smtp`) by cause, most first. */
export function rejectCauses(db: Db, p: Period): RejectCount[] {
  return db.prepare(`SELECT coalesce(cause, 'other') AS cause, count(*) AS count FROM smtp_rejects
    WHERE time >= @from AND time < @to AND action IN ('reject', 'milter-reject')${ONLY('host')} GROUP BY 1 ORDER BY 2 DESC, 1`)
    .all(args(p)) as RejectCount[];
}

/** The reply texts of the period's SMTP-time rejects of cause `listed`. */
export function listedRejectReasons(db: Db, p: Period): string[] {
  return db.prepare(`SELECT reason FROM smtp_rejects
    WHERE time >= @from AND time < @to AND action IN ('reject', 'milter-reject') AND cause = 'listed'${ONLY('host')}`)
    .pluck().all(args(p)) as string[];
}
