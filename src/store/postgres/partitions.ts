// Day partitions of the raw tables (messages, recipients, notifications, message_lines,
// smtp_rejects): created before a batch that needs them, in their own short transaction (DDL
// inside the batch would hold a lock on the parent table for the whole batch), and dropped
// whole by retention. `part` is a day number: ms since epoch / 86 400 000.
import type { Pool, Queryable } from './pg.ts';

export const DAY = 86_400_000;
export const PARTITIONED = ['messages', 'recipients', 'notifications', 'message_lines', 'smtp_rejects'] as const;

export const dayOf = (t: number) => Math.floor(t / DAY);

/** Partition names carry the day number: messages_d20425. Negative days (before 1970) get an n. */
export const partitionName = (table: string, day: number) => `${table}_d${day < 0 ? `n${-day}` : day}`;

/** The lock key under which partitions are created and dropped ("bw-part"). */
const PARTITION_LOCK = 0x62772d7061;

const known = new WeakMap<Pool, Set<number>>();

async function knownDays(pool: Pool): Promise<Set<number>> {
  let set = known.get(pool);
  if (!set) {
    set = new Set((await pool.query<{ day: number }>('SELECT day FROM partitions')).rows.map((r) => r.day));
    known.set(pool, set);
  }
  return set;
}

/** Creates the partitions of these days that do not exist yet (several agents may ask at once). */
export async function ensurePartitions(pool: Pool, days: Iterable<number>): Promise<void> {
  const have = await knownDays(pool);
  const missing = [...new Set(days)].filter((d) => !have.has(d)).sort((a, b) => a - b);
  if (missing.length === 0) return;
  const c = await pool.connect();
  let broken = false;
  try {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
    const exist = new Set((await c.query<{ day: number }>('SELECT day FROM partitions WHERE day = ANY($1::integer[])', [missing])).rows.map((r) => r.day));
    for (const d of missing) {
      if (exist.has(d)) continue;
      // Created apart, then attached: ATTACH takes only a SHARE UPDATE EXCLUSIVE lock on the
      // parent, so other agents' writes and the dashboards' reads go on meanwhile (CREATE TABLE
      // ... PARTITION OF would take ACCESS EXCLUSIVE and queue every writer behind the longest
      // running read; measured: one of three agents importing at once took twice as long).
      for (const t of PARTITIONED) {
        const name = partitionName(t, d);
        await c.query(`CREATE TABLE ${name} (LIKE ${t} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
        await c.query(`ALTER TABLE ${t} ATTACH PARTITION ${name} FOR VALUES FROM (${d}) TO (${d + 1})`);
      }
      await c.query('INSERT INTO partitions (day) VALUES ($1)', [d]);
    }
    await c.query('COMMIT');
    for (const d of missing) have.add(d);
  } catch (e) {
    await c.query('ROLLBACK').catch(() => (broken = true));
    throw e;
  } finally {
    c.release(broken);
  }
}

/** Forgets the days retention dropped (another agent's cache learns at its next miss). */
export function forgetDays(pool: Pool, days: number[]): void {
  const set = known.get(pool);
  for (const d of days) set?.delete(d);
}

export async function allDays(q: Queryable): Promise<number[]> {
  return (await q.query<{ day: number }>('SELECT day FROM partitions ORDER BY day')).rows.map((r) => r.day);
}

/** Forgets every day known: the next write asks the database again. */
export function forgetAllDays(pool: Pool): void {
  known.delete(pool);
}
