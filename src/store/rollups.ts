// Hourly rollups of the raw rows, so that a 30-day dashboard query sums 720 hours instead of a
// million messages. Triggers (migrations/0004) only mark the hours whose rows changed; before a
// read, those hours are recomputed here from the raw rows with the same SELECT that a query
// uses for the partial hours at a period's edges. So a rollup always equals the raw query.
import type { Db } from './db.ts';
import type { Period } from './queries.ts';

export const HOUR = 3_600_000;

const H = (col: string) => `${col} - ${col} % ${HOUR}`;
const IN_RANGE = (col: string) => `${col} >= @lo AND ${col} < @hi`;
const REJECT = "action IN ('reject', 'milter-reject')";

/** Each rollup table and the SELECT of its rows for the raw rows of [@lo, @hi), in column order. */
export const ROLLUPS = {
  rollup_hours: `SELECT ${H('received_at')} AS hour,
      sum(origin = 'smtp' AND outcome != 'rejected_at_smtp') AS accepted,
      sum(origin = 'smtp' AND remote = 1 AND outcome != 'rejected_at_smtp') AS accepted_remote,
      sum(outcome = 'delivered') AS delivered,
      sum(outcome = 'pending' AND EXISTS (SELECT 1 FROM recipients r WHERE r.message = m.id AND r.status = 'deferred')) AS deferred,
      sum(origin = 'smtp' AND outcome = 'bounced_after_accept') AS bounced,
      sum(ndr_count) AS ndrs, sum(backscatter) AS backscatter,
      sum(outcome = 'bounced_after_accept') AS o_bounced, sum(outcome = 'rejected_at_smtp') AS o_rejected,
      sum(outcome = 'discarded') AS o_discarded, sum(outcome = 'pending') AS o_pending
    FROM messages m WHERE ${IN_RANGE('received_at')} GROUP BY 1`,
  rollup_rejects: `SELECT ${H('time')} AS hour, count(*) AS rejected FROM smtp_rejects
    WHERE ${REJECT} AND ${IN_RANGE('time')} GROUP BY 1`,
  rollup_failed: `SELECT ${H('m.received_at')} AS hour, lower(r.address) AS address, r.cause AS cause, count(*) AS n
    FROM messages m JOIN recipients r ON r.message = m.id
    WHERE r.cause IS NOT NULL AND ${IN_RANGE('m.received_at')} GROUP BY 1, 2, 3`,
  rollup_backscatter: `SELECT ${H('received_at')} AS hour, sender_domain, ndr_fate, count(*) AS n FROM messages
    WHERE backscatter = 1 AND ${IN_RANGE('received_at')} GROUP BY 1, 2, 3`,
  rollup_clients: `SELECT ${H('received_at')} AS hour, client_ip, max(client_name) AS client_name, max(helo) AS helo,
      count(*) AS messages, sum(outcome = 'bounced_after_accept') AS bounced, sum(backscatter) AS backscatter
    FROM messages WHERE remote = 1 AND ${IN_RANGE('received_at')} GROUP BY 1, 2`,
  rollup_scanners: `SELECT ${H('time')} AS hour, mta, client_ip,
      count(CASE WHEN ${REJECT} THEN 1 END) AS rejects,
      count(CASE WHEN ${REJECT} AND cause = 'unknown_recipient' THEN 1 END) AS unknown_rejects,
      max(CASE WHEN ${REJECT} THEN client_name END) AS reject_name,
      count(CASE WHEN cause = 'unknown_recipient' THEN 1 END) AS unknown_any,
      max(CASE WHEN cause = 'unknown_recipient' THEN client_name END) AS unknown_name
    FROM smtp_rejects WHERE client_ip IS NOT NULL AND ${IN_RANGE('time')} GROUP BY 1, 2, 3`,
} as const;

export type Rollup = keyof typeof ROLLUPS;

/** Recomputes every hour marked as changed; returns how many. Runs in one transaction. */
export function refreshRollups(db: Db): number {
  const hours = (db.prepare('SELECT hour FROM rollup_dirty ORDER BY hour').all() as { hour: number }[]).map((r) => r.hour);
  if (hours.length === 0) return 0;
  const tables = Object.keys(ROLLUPS) as Rollup[];
  const del = tables.map((t) => db.prepare(`DELETE FROM ${t} WHERE hour = ?`));
  const ins = tables.map((t) => db.prepare(`INSERT INTO ${t} ${ROLLUPS[t]}`));
  const undirty = db.prepare('DELETE FROM rollup_dirty WHERE hour = ?');
  db.transaction(() => {
    for (const h of hours) {
      for (const d of del) d.run(h);
      for (const i of ins) i.run({ lo: h, hi: h + HOUR });
      undirty.run(h);
    }
  })();
  return hours.length;
}

const hasRollups = new WeakMap<Db, boolean>();

/**
 * True when the rollups are up to date and may be read: brought up to date on a writable
 * connection; on a read-only one (or an unmigrated database) only if nothing is marked.
 */
export function rollupsReady(db: Db): boolean {
  let exists = hasRollups.get(db);
  if (exists === undefined) {
    exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rollup_dirty'").get() !== undefined;
    hasRollups.set(db, exists);
  }
  if (!exists) return false;
  if (!db.readonly) {
    refreshRollups(db);
    return true;
  }
  return db.prepare('SELECT 1 FROM rollup_dirty LIMIT 1').get() === undefined;
}

/**
 * The rows of a rollup for a period, as a subquery with its named parameters: whole hours from
 * the rollup table, the partial hours at the edges from the raw rows (the same SELECT). When
 * the rollups cannot be read, all of it from the raw rows.
 */
export function rollupRows(db: Db, table: Rollup, p: Period): { sql: string; params: Record<string, number> } {
  const raw = ROLLUPS[table];
  const a = Math.ceil(p.from / HOUR) * HOUR;
  const b = Math.floor(p.to / HOUR) * HOUR;
  if (a >= b || !rollupsReady(db)) return { sql: raw, params: { lo: p.from, hi: p.to } };
  const parts = [`SELECT * FROM ${table} WHERE hour >= @rollupFrom AND hour < @rollupTo`];
  const params: Record<string, number> = { rollupFrom: a, rollupTo: b };
  const edge = (name: string, lo: number, hi: number) => {
    if (lo >= hi) return;
    parts.push(raw.replaceAll('@lo', `@${name}lo`).replaceAll('@hi', `@${name}hi`));
    Object.assign(params, { [`${name}lo`]: lo, [`${name}hi`]: hi });
  };
  edge('head', p.from, a);
  edge('tail', b, p.to);
  return { sql: parts.join('\nUNION ALL\n'), params };
}
