// Retention: deletes what is older than N days. Days count back from the newest log time in
// the database (not the wall clock), so imported history stays browsable until newer mail
// pushes it out; but never from a time past the wall clock, nor from the word of a few
// messages newer than all the rest (a stray line dated years ahead must not delete everything).
import type { Db } from './db.ts';

const DAY = 86_400_000;

/** How many of the newest messages must agree on the reference time: one per hundred, 1 to 1000. */
export const referenceRank = (messages: number) => Math.max(1, Math.min(1000, Math.ceil(messages / 100)));

/**
 * The newest log time that many messages agree on: the last_at reached by the k newest
 * messages, k one per hundred messages (1 to 1000), and no later than the wall clock.
 */
export function retentionReference(db: Db, now: number): number | null {
  const n = (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
  if (n === 0) return null;
  const k = referenceRank(n);
  const t = (db.prepare('SELECT last_at AS t FROM messages ORDER BY last_at DESC LIMIT 1 OFFSET ?').get(k - 1) as { t: number }).t;
  return Math.min(t, now);
}

export function applyRetention(db: Db, days: number, now = Date.now()): { messages: number; rejects: number } {
  const newest = retentionReference(db, now);
  if (newest === null) return { messages: 0, rejects: 0 };
  const cutoff = newest - days * DAY;
  return db.transaction(() => {
    // Open messages are kept: in memory (state) or spilled (their state in spilled_messages).
    const open = 'state IS NULL AND id NOT IN (SELECT message FROM spilled_messages)';
    const doomed = `SELECT id FROM messages WHERE last_at < ? AND ${open}`;
    db.prepare(`DELETE FROM message_lines WHERE message IN (${doomed})`).run(cutoff);
    const messages = db.prepare(`DELETE FROM messages WHERE last_at < ? AND ${open}`).run(cutoff).changes;
    const rejects = db.prepare('DELETE FROM smtp_rejects WHERE time < ?').run(cutoff).changes;
    db.prepare('DELETE FROM line_counts WHERE hour < ?').run(cutoff);
    return { messages, rejects };
  })();
}
