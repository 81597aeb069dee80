// Retention on PostgreSQL: whole days dropped (their partitions), not rows deleted. Days count
// back from the newest log time many messages agree on, as in SQLite (sqlite/retention.ts). A
// day goes when all of it is older than the cutoff and none of its finished messages was still
// active after it; its open messages (in memory or spilled) first move to the newest day's
// partition (their times unchanged), so they stay, as they do in SQLite.
import { referenceRank } from '../sqlite/retention.ts';
import { allDays, DAY, dayOf, ensurePartitions, forgetDays, PARTITIONED, partitionName } from './partitions.ts';
import type { Pool } from './pg.ts';
import { HOUR, markDirty } from './rollups.ts';

/** The newest log time that many messages agree on (sqlite/retention.ts), or null with no messages. */
async function reference(pool: Pool, now: number): Promise<number | null> {
  const n = (await pool.query<{ n: number }>('SELECT count(*)::bigint AS n FROM messages')).rows[0]!.n;
  if (n === 0) return null;
  const k = referenceRank(n);
  const t = (await pool.query<{ t: number }>('SELECT last_at AS t FROM messages ORDER BY last_at DESC LIMIT 1 OFFSET $1', [k - 1])).rows[0]!.t;
  return Math.min(t, now);
}

const PARTITION_LOCK = 0x62772d7061;

export async function applyRetention(pool: Pool, days: number, now = Date.now()): Promise<{ messages: number; rejects: number }> {
  const newest = await reference(pool, now);
  if (newest === null) return { messages: 0, rejects: 0 };
  const cutoff = newest - days * DAY;
  const keep = dayOf(newest);
  await ensurePartitions(pool, [keep]);
  const out = { messages: 0, rejects: 0 };
  const dropped: number[] = [];
  for (const d of await allDays(pool)) {
    if ((d + 1) * DAY > cutoff || d >= keep) break;
    const c = await pool.connect();
    let broken = false;
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
      // Another agent's retention may have dropped this day while this one waited for the lock.
      if ((await c.query('SELECT 1 FROM partitions WHERE day = $1', [d])).rowCount === 0) {
        await c.query('ROLLBACK');
        continue;
      }
      // The day's tables locked before they are looked at: a writer still committing rows into
      // this day is waited for, and its rows are seen by the checks below, not dropped unseen.
      await c.query(`LOCK TABLE ${PARTITIONED.map((t) => partitionName(t, d)).join(', ')} IN ACCESS EXCLUSIVE MODE`);
      const m = partitionName('messages', d);
      const open = `(state IS NOT NULL OR id IN (SELECT message FROM spilled_messages))`;
      const late = (await c.query<{ t: number | null }>(`SELECT max(last_at) AS t FROM ${m} WHERE NOT ${open}`)).rows[0]!.t;
      if (late !== null && late >= cutoff) {
        await c.query('ROLLBACK');
        continue;
      }
      const ids = (await c.query<{ id: number }>(`SELECT id FROM ${m} WHERE ${open}`)).rows.map((r) => r.id);
      if (ids.length > 0) {
        for (const t of ['messages', 'recipients', 'notifications', 'message_lines']) {
          const col = t === 'messages' ? 'id' : 'message';
          await c.query(`UPDATE ${t} SET part = $1 WHERE part = $2 AND ${col} = ANY($3::bigint[])`, [keep, d, ids]);
        }
      }
      // Every hour whose rows go: the day's own, and those of messages moved into it from older days.
      const hours = (await c.query<{ h: number }>(`SELECT DISTINCT received_at - received_at % ${HOUR} AS h FROM ${m}`)).rows.map((r) => r.h);
      out.messages += (await c.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM ${m}`)).rows[0]!.n;
      out.rejects += (await c.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM ${partitionName('smtp_rejects', d)}`)).rows[0]!.n;
      for (const t of PARTITIONED) await c.query(`DROP TABLE ${partitionName(t, d)}`);
      await c.query('DELETE FROM partitions WHERE day = $1', [d]);
      // The day's rollups are computed again from what is left (its open messages).
      await markDirty(c, [...hours, ...Array.from({ length: 24 }, (_, h) => d * DAY + h * HOUR)]);
      await c.query('COMMIT');
      dropped.push(d);
    } catch (e) {
      await c.query('ROLLBACK').catch(() => (broken = true));
      throw e;
    } finally {
      c.release(broken);
    }
  }
  forgetDays(pool, dropped);
  await pool.query('DELETE FROM line_counts WHERE hour < $1', [cutoff]);
  return out;
}
