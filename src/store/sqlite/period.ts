// The period a query covers, resolved against the stored data, and the line counters over it.
// One module for both, so that every query module imports the period from here.
import type { Db } from './db.ts';
import type { LineCounts, Period } from '../types.ts';

/** The ends of everything stored: messages, SMTP-time rejects and line counters. */
const ENDS = `SELECT min(t) AS lo, max(t) AS hi FROM (
  SELECT min(received_at) AS t FROM messages UNION ALL SELECT max(last_at) FROM messages
  UNION ALL SELECT min(time) FROM smtp_rejects UNION ALL SELECT max(time) FROM smtp_rejects
  UNION ALL SELECT min(hour) FROM line_counts WHERE hour > 0 UNION ALL SELECT max(hour) + 3599999 FROM line_counts)`;
/** The ends of one host's rows (line counters have no host: they do not count). */
const HOST_ENDS = `SELECT min(t) AS lo, max(t) AS hi FROM (
  SELECT min(received_at) AS t FROM messages WHERE host = @host UNION ALL SELECT max(last_at) FROM messages WHERE host = @host
  UNION ALL SELECT min(time) FROM smtp_rejects WHERE host = @host UNION ALL SELECT max(time) FROM smtp_rejects WHERE host = @host)`;

/**
 * The period the data covers (one host's data, with `host`), narrowed by what the caller gave.
 * It ends no later than a day past the wall clock: rows dated further ahead (written before
 * such times were refused at import) must not stretch every default view into the future.
 */
export function resolvePeriod(db: Db, from?: number, to?: number, host?: string): Period {
  const r = (host === undefined ? db.prepare(ENDS).get() : db.prepare(HOST_ENDS).get({ host })) as { lo: number | null; hi: number | null };
  const p: Period = { from: from ?? r.lo ?? 0, to: to ?? (r.hi === null ? 0 : Math.min(r.hi + 1, Date.now() + 86_400_000)) };
  if (host !== undefined) p.host = host;
  return p;
}

/**
 * Lines read in the period's hours. Line counters have no host (a line is counted before it is
 * known to be mail, and an MTA host's name is read from the line): a period of one host gets
 * every host's lines, not a share of them.
 */
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
