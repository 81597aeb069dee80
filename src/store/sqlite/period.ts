// The period a query covers, resolved against the stored data, and the line counters over it.
// One module for both, so that every query module imports the period from here.
import type { Db } from './db.ts';
import type { LineCounts, Period } from '../types.ts';

/**
 * The period the data covers, narrowed by what the caller gave. It ends no later than a day
 * past the wall clock: rows dated further ahead (written before such times were refused at
 * import) must not stretch every default view into the future.
 */
export function resolvePeriod(db: Db, from?: number, to?: number): Period {
  const r = db
    .prepare(`SELECT min(t) AS lo, max(t) AS hi FROM (
      SELECT min(received_at) AS t FROM messages UNION ALL SELECT max(last_at) FROM messages
      UNION ALL SELECT min(time) FROM smtp_rejects UNION ALL SELECT max(time) FROM smtp_rejects
      UNION ALL SELECT min(hour) FROM line_counts WHERE hour > 0 UNION ALL SELECT max(hour) + 3599999 FROM line_counts)`)
    .get() as { lo: number | null; hi: number | null };
  return { from: from ?? r.lo ?? 0, to: to ?? (r.hi === null ? 0 : Math.min(r.hi + 1, Date.now() + 86_400_000)) };
}

export function lineTotals(db: Db, p: Period): LineCounts {
  const hourFrom = p.from - (p.from % 3_600_000);
  const r = db
    .prepare(`SELECT
        sum(total) AS total,
        sum(mail) AS mail,
        sum(unknown) AS unknown,
        sum(other) AS other
      FROM line_counts
      WHERE hour >= @from AND hour < @to`)
    .get({ from: hourFrom, to: p.to }) as Record<'total' | 'mail' | 'unknown' | 'other', number | null>;
  return { total: r.total ?? 0, mail: r.mail ?? 0, unknown: r.unknown ?? 0, other: r.other ?? 0 };
}
