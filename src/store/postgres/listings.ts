// Refusals that name a blocklist, on PostgreSQL (src/store/sqlite/listings.ts): our mail refused
// for a listing, and the SMTP-time rejects by cause.
import type { Mta, Period, Refusal, RejectCount } from '../types.ts';
import type { Queryable } from './pg.ts';
import { all } from './sql.ts';

/** The period's host, when it names one (@host NULL: every host). */
const ONLY = (col: string) => ` AND (@host::text IS NULL OR ${col} = @host::text)`;
const args = (p: Period) => ({ from: p.from, to: p.to, host: p.host ?? null });

/**
 * One MTA's failed recipients of cause `listed` (not local submissions), then its notifications
 * refused for a listing; in the order SQLite's plan gives them (recipients by message id,
 * notifications by their message's arrival).
 */
export async function listedRefusals(q: Queryable, p: Period, mta: Mta): Promise<Refusal[]> {
  return all<Refusal>(q, `SELECT reason, relay, "to" FROM (
      SELECT 0 AS k, 0 AS received_at, '' AS host, '' AS queue_id, r.message, r.seq, r.reason, r.relay, r.address AS "to"
      FROM recipients r JOIN messages m ON m.id = r.message AND m.part = r.part
      WHERE r.cause = 'listed' AND m.mta = @mta AND m.origin != 'local' AND m.received_at >= @from AND m.received_at < @to${ONLY('m.host')}
      UNION ALL SELECT 1, m.received_at, m.host, m.queue_id, nt.message, nt.seq, nt.reason, NULL, nt.rcpt
      FROM notifications nt JOIN messages m ON m.id = nt.message AND m.part = nt.part
      WHERE nt.cause = 'listed' AND m.mta = @mta AND m.received_at >= @from AND m.received_at < @to${ONLY('m.host')}) AS x
    ORDER BY k, received_at, host, queue_id, message, seq`, { mta, ...args(p) });
}

/** SMTP-time rejects (reject and milter-reject lines, as counted in `rejected_at_smtp`) by cause, most first. */
export async function rejectCauses(q: Queryable, p: Period): Promise<RejectCount[]> {
  return all<RejectCount>(q, `SELECT coalesce(cause, 'other') AS cause, count(*) AS count FROM smtp_rejects
    WHERE time >= @from AND time < @to AND action IN ('reject', 'milter-reject')${ONLY('host')} GROUP BY 1 ORDER BY 2 DESC, 1`, args(p));
}

/** The reply texts of the period's SMTP-time rejects of cause `listed`, in time order. */
export async function listedRejectReasons(q: Queryable, p: Period): Promise<string[]> {
  return (await all<{ reason: string }>(q, `SELECT reason FROM smtp_rejects
    WHERE time >= @from AND time < @to AND action IN ('reject', 'milter-reject') AND cause = 'listed'${ONLY('host')} ORDER BY time, id`,
  args(p))).map((r) => r.reason);
}
