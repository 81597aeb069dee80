// The period a query covers, resolved against the stored data, and the line counters over it
// (summed over every agent's counters): PostgreSQL twin of src/store/sqlite/period.ts.
import type { LineCounts, Period } from '../types.ts';
import type { Queryable } from './pg.ts';
import { one } from './sql.ts';

const ENDS = `SELECT min(t) AS lo, max(t) AS hi FROM (
  SELECT min(received_at) AS t FROM messages UNION ALL SELECT max(last_at) FROM messages
  UNION ALL SELECT min(time) FROM smtp_rejects UNION ALL SELECT max(time) FROM smtp_rejects
  UNION ALL SELECT min(hour) FROM line_counts WHERE hour > 0 UNION ALL SELECT max(hour) + 3599999 FROM line_counts) AS ends`;
/** One host's rows (line counters are per agent, not per MTA host: they do not count). */
const HOST_ENDS = `SELECT min(t) AS lo, max(t) AS hi FROM (
  SELECT min(received_at) AS t FROM messages WHERE host = @host UNION ALL SELECT max(last_at) FROM messages WHERE host = @host
  UNION ALL SELECT min(time) FROM smtp_rejects WHERE host = @host UNION ALL SELECT max(time) FROM smtp_rejects WHERE host = @host) AS ends`;

/**
 * The period the data covers (one host's data, with `host`), narrowed by what the caller gave;
 * no later than a day past the wall clock.
 */
export async function resolvePeriod(q: Queryable, from?: number, to?: number, host?: string): Promise<Period> {
  const r = (await one<{ lo: number | null; hi: number | null }>(q, host === undefined ? ENDS : HOST_ENDS, host === undefined ? {} : { host }))!;
  const p: Period = { from: from ?? r.lo ?? 0, to: to ?? (r.hi === null ? 0 : Math.min(r.hi + 1, Date.now() + 86_400_000)) };
  if (host !== undefined) p.host = host;
  return p;
}

/**
 * Lines read in the period's hours, over every agent. Line counters are kept per agent, not per
 * MTA host (an agent may read several hosts' logs): a period of one host gets every agent's
 * lines, not a share of them.
 */
export async function lineTotals(q: Queryable, p: Period): Promise<LineCounts> {
  const hourFrom = p.from - (p.from % 3_600_000);
  const r = (await one<Record<'total' | 'mail' | 'unknown' | 'other', number | null>>(q, `SELECT
        sum(total) AS total,
        sum(mail) AS mail,
        sum(unknown) AS unknown,
        sum(other) AS other
      FROM line_counts
      WHERE hour >= @from AND hour < @to`, { from: hourFrom, to: p.to }))!;
  return { total: r.total ?? 0, mail: r.mail ?? 0, unknown: r.unknown ?? 0, other: r.other ?? 0 };
}
