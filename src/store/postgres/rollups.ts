// Hourly rollups on PostgreSQL, equal to the raw rows as in SQLite (src/store/sqlite/rollups.ts),
// with several agents writing at once. Each writer marks the hours its batch changed
// (rollup_dirty, gen + 1) at the end of its transaction, in hour order (two writers never wait
// on each other in a circle). A refresh recomputes marked hours and removes a mark only if its
// gen is still the one it read: a writer that changed the hour meanwhile leaves it marked, so
// no update is lost. Reads take the rollup for clean hours and the raw rows for marked hours
// and the partial hours at a period's edges, so they are exact whatever the refresh is doing.
import type { Period } from '../types.ts';
import type { Client, Pool, Queryable } from './pg.ts';
import { all, type Params } from './sql.ts';

export const HOUR = 3_600_000;

const H = (col: string) => `(${col} - ${col} % ${HOUR})`;
const IN_RANGE = (col: string) => `${col} >= @lo AND ${col} < @hi`;
const REJECT = "action IN ('reject', 'milter-reject')";
/** src/store/sqlite/rollups.ts ADVICE_RULE, in PostgreSQL. */
export const ADVICE_RULE = `CASE WHEN r.cause != 'unknown_recipient' THEN r.cause
  WHEN strpos(r.relay, '[') > 0 AND strpos(r.relay, '[/') = 0 THEN 'unknown_relay' ELSE 'unknown_local' END`;
const COUNT_IF = (cond: string) => `count(*) FILTER (WHERE ${cond})`;

/** Each rollup table and the SELECT of its rows for the raw rows of [@lo, @hi), in column order. */
export const ROLLUPS = {
  rollup_hours: `SELECT ${H('received_at')} AS hour, host, mta,
      ${COUNT_IF("origin = 'smtp' AND outcome != 'rejected_at_smtp'")} AS accepted,
      ${COUNT_IF("origin = 'smtp' AND remote = 1 AND outcome != 'rejected_at_smtp'")} AS accepted_remote,
      ${COUNT_IF("outcome = 'delivered'")} AS delivered,
      ${COUNT_IF("outcome = 'pending' AND EXISTS (SELECT 1 FROM recipients r WHERE r.message = m.id AND r.part = m.part AND r.status = 'deferred')")} AS deferred,
      ${COUNT_IF("origin = 'smtp' AND outcome = 'bounced_after_accept'")} AS bounced,
      sum(ndr_count) AS ndrs, sum(backscatter) AS backscatter,
      ${COUNT_IF("outcome = 'bounced_after_accept'")} AS o_bounced, ${COUNT_IF("outcome = 'rejected_at_smtp'")} AS o_rejected,
      ${COUNT_IF("outcome = 'discarded'")} AS o_discarded, ${COUNT_IF("outcome = 'pending'")} AS o_pending,
      sum(CASE WHEN backscatter = 1 THEN (SELECT count(*) FROM notifications nt WHERE nt.message = m.id AND nt.part = m.part AND nt.type = 'non_delivery') ELSE 0 END)
        AS backscatter_ndrs, sum(delay_backscatter) AS delay_backscatter
    FROM messages m WHERE ${IN_RANGE('received_at')} GROUP BY 1, 2, 3`,
  rollup_rejects: `SELECT ${H('time')} AS hour, host, mta, count(*) AS rejected FROM smtp_rejects
    WHERE ${REJECT} AND ${IN_RANGE('time')} GROUP BY 1, 2, 3`,
  rollup_failed: `SELECT ${H('m.received_at')} AS hour, m.host, lower(r.address) AS address, r.cause AS cause, count(*) AS n
    FROM messages m JOIN recipients r ON r.message = m.id AND r.part = m.part
    WHERE r.cause IS NOT NULL AND ${IN_RANGE('m.received_at')} GROUP BY 1, 2, 3, 4`,
  rollup_backscatter: `SELECT ${H('m.received_at')} AS hour, m.host, m.sender_domain, nt.fate AS ndr_fate, count(*) AS n
    FROM messages m JOIN notifications nt ON nt.message = m.id AND nt.part = m.part AND nt.type = 'non_delivery'
    WHERE m.backscatter = 1 AND ${IN_RANGE('m.received_at')} GROUP BY 1, 2, 3, 4`,
  rollup_clients: `SELECT ${H('received_at')} AS hour, host, client_ip, max(client_name) AS client_name, max(helo) AS helo,
      count(*) AS messages, ${COUNT_IF("outcome = 'bounced_after_accept'")} AS bounced, sum(backscatter) AS backscatter
    FROM messages WHERE remote = 1 AND ${IN_RANGE('received_at')} GROUP BY 1, 2, 3`,
  rollup_scanners: `SELECT ${H('time')} AS hour, host, mta, client_ip,
      count(CASE WHEN ${REJECT} THEN 1 END) AS rejects,
      count(CASE WHEN ${REJECT} AND cause = 'unknown_recipient' THEN 1 END) AS unknown_rejects,
      max(CASE WHEN ${REJECT} THEN client_name END) AS reject_name,
      count(CASE WHEN cause = 'unknown_recipient' THEN 1 END) AS unknown_any,
      max(CASE WHEN cause = 'unknown_recipient' THEN client_name END) AS unknown_name
    FROM smtp_rejects WHERE client_ip IS NOT NULL AND ${IN_RANGE('time')} GROUP BY 1, 2, 3, 4`,
  rollup_local_clients: `SELECT ${H('received_at')} AS hour, host, client_ip, count(*) AS messages FROM messages
    WHERE remote IS DISTINCT FROM 1 AND client_ip IS NOT NULL AND ${IN_RANGE('received_at')} GROUP BY 1, 2, 3`,
  rollup_sender_domains: `SELECT ${H('received_at')} AS hour, host, sender_domain, count(*) AS messages, sum(backscatter) AS backscatter FROM messages
    WHERE sender_domain IS NOT NULL AND ${IN_RANGE('received_at')} GROUP BY 1, 2, 3`,
  // size_limit and relay_host were computed by the writer with src/correlate/relays.ts.
  rollup_advice: `SELECT hour, host, mta, rule, count(*) AS messages, sum(ndr_count) AS ndrs, sum(backscatter) AS backscatter,
      min(size_limit) AS size_limit FROM (SELECT ${H('m.received_at')} AS hour, m.host, m.mta, ${ADVICE_RULE} AS rule, m.ndr_count, m.backscatter,
        min(r.size_limit) AS size_limit
      FROM messages m JOIN recipients r ON r.message = m.id AND r.part = m.part
      WHERE r.cause IS NOT NULL AND m.origin != 'local' AND ${IN_RANGE('m.received_at')}
      GROUP BY m.id, 1, m.host, m.mta, 4, m.ndr_count, m.backscatter) AS per_message
    GROUP BY 1, 2, 3, 4`,
  // JavaScript's toLowerCase() lower-cases beyond ASCII: ICU's lower() does the same.
  rollup_advice_values: `WITH f AS MATERIALIZED (SELECT ${H('m.received_at')} AS hour, m.host, m.mta, ${ADVICE_RULE} AS rule,
        lower(r.address COLLATE "und-x-icu") COLLATE "C" AS a,
        lower(substring(r.address from '[^@]*$') COLLATE "und-x-icu") COLLATE "C" AS d,
        r.relay_host AS rl, r.orig_address AS o
      FROM messages m JOIN recipients r ON r.message = m.id AND r.part = m.part
      WHERE r.cause IS NOT NULL AND m.origin != 'local' AND ${IN_RANGE('m.received_at')})
    SELECT hour, host, mta, rule, kind, value, count(*) AS n FROM (
      SELECT hour, host, mta, rule, 'recipient' AS kind, a AS value FROM f UNION ALL SELECT hour, host, mta, rule, 'domain', d FROM f
      UNION ALL SELECT hour, host, mta, rule, 'relay', rl FROM f UNION ALL SELECT hour, host, mta, rule, 'alias', o FROM f) AS v
    WHERE value IS NOT NULL AND value != '' GROUP BY 1, 2, 3, 4, 5, 6`,
} as const;

export type Rollup = keyof typeof ROLLUPS;

/** Consecutive hours as [lo, hi) ranges. */
function ranges(hours: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const h of hours) {
    const last = out.at(-1);
    if (last && last[1] === h) last[1] = h + HOUR;
    else out.push([h, h + HOUR]);
  }
  return out;
}

/** The hours marked changed within [a, b). */
async function dirtyHours(q: Queryable, a: number, b: number): Promise<number[]> {
  return (await all<{ hour: number }>(q, 'SELECT hour FROM rollup_dirty WHERE hour >= @a AND hour < @b ORDER BY hour', { a, b })).map((r) => r.hour);
}

/**
 * The rows of a rollup for a period, as a subquery with its named parameters: clean whole hours
 * from the rollup table; marked hours and the partial hours at the edges from the raw rows
 * (the same SELECT). A period of one host takes that host's rows; the callers sum over the
 * rows they get, so every host is their sum.
 */
export async function rollupRows(q: Queryable, table: Rollup, p: Period): Promise<{ sql: string; params: Params }> {
  const raw = ROLLUPS[table];
  const only = p.host === undefined ? '' : ' AND host = @onlyHost::text';
  const onlyParams: Params = p.host === undefined ? {} : { onlyHost: p.host };
  const a = Math.ceil(p.from / HOUR) * HOUR;
  const b = Math.floor(p.to / HOUR) * HOUR;
  if (a >= b) return { sql: `SELECT * FROM (${raw}) AS raw WHERE true${only}`, params: { lo: p.from, hi: p.to, ...onlyParams } };
  const dirty = await dirtyHours(q, a, b);
  // The hours left out of the rollup are exactly those read raw below (one list, not a second
  // look at rollup_dirty, which a writer or the refresher may have changed in between).
  const parts = [`SELECT * FROM ${table} WHERE hour >= @rollupFrom AND hour < @rollupTo${only} AND hour <> ALL(@dirty::bigint[])`];
  const params: Params = { rollupFrom: a, rollupTo: b, dirty, ...onlyParams };
  const rawParts: [number, number][] = [...(p.from < a ? [[p.from, a] as [number, number]] : []), ...ranges(dirty), ...(b < p.to ? [[b, p.to] as [number, number]] : [])];
  rawParts.forEach(([lo, hi], i) => {
    parts.push(`SELECT * FROM (${raw.replaceAll('@lo', `@lo${i}`).replaceAll('@hi', `@hi${i}`)}) AS raw${i} WHERE true${only}`);
    params[`lo${i}`] = lo;
    params[`hi${i}`] = hi;
  });
  return { sql: parts.join('\nUNION ALL\n'), params };
}

/** Marks hours changed, in hour order, in the writer's transaction (see the top of this file). */
export async function markDirty(c: Client, hours: Iterable<number>): Promise<void> {
  const list = [...new Set(hours)].sort((x, y) => x - y);
  if (list.length === 0) return;
  await c.query(`INSERT INTO rollup_dirty (hour) SELECT h FROM unnest($1::bigint[]) AS h ORDER BY h
    ON CONFLICT (hour) DO UPDATE SET gen = rollup_dirty.gen + 1`, [list]);
}

/** The hour a time falls in. */
export const hourOf = (t: number) => t - (t % HOUR);

/** Only one agent refreshes at a time; the others go on (the marked hours are read raw meanwhile). */
const REFRESH_LOCK = 0x62772d726f;
/** Marked hours recomputed per transaction: a week of consecutive hours is one statement per table. */
const HOURS_PER_TRANSACTION = 168;

/** Recomputes the marked hours; returns how many were cleared (0 when another agent is refreshing). */
export async function refreshRollups(pool: Pool): Promise<number> {
  const c = await pool.connect();
  let done = 0;
  let broken = false;
  try {
    const got = (await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [REFRESH_LOCK])).rows[0]!.ok;
    if (!got) return 0;
    try {
      const tables = Object.keys(ROLLUPS) as Rollup[];
      for (let after = -Infinity; ;) {
        const marks = (await c.query<{ hour: number; gen: number }>(
          'SELECT hour, gen FROM rollup_dirty WHERE hour > $1 ORDER BY hour LIMIT $2', [Number.isFinite(after) ? after : -1e15, HOURS_PER_TRANSACTION])).rows;
        if (marks.length === 0) break;
        await c.query('BEGIN');
        // Consecutive hours as one range: each rollup's SELECT groups by hour anyway.
        for (const [lo, hi] of ranges(marks.map((m) => m.hour))) {
          for (const t of tables) {
            await c.query(`DELETE FROM ${t} WHERE hour >= $1 AND hour < $2`, [lo, hi]);
            await c.query(`INSERT INTO ${t} ${ROLLUPS[t].replaceAll('@lo', '$1').replaceAll('@hi', '$2')}`, [lo, hi]);
          }
        }
        // A mark goes only if no writer changed its hour since it was read (its gen is the same).
        const r = await c.query(`DELETE FROM rollup_dirty d USING unnest($1::bigint[], $2::bigint[]) AS v(hour, gen)
          WHERE d.hour = v.hour AND d.gen = v.gen`, [marks.map((m) => m.hour), marks.map((m) => m.gen)]);
        done += r.rowCount ?? 0;
        await c.query('COMMIT');
        after = marks.at(-1)!.hour;
      }
    } catch (e) {
      await c.query('ROLLBACK').catch(() => (broken = true));
      throw e;
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [REFRESH_LOCK]).catch(() => (broken = true));
    }
    return done;
  } finally {
    c.release(broken);
  }
}
