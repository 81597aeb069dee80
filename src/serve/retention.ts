// Retention: deletes what is older than N days. Days count back from the newest log time in
// the database (not the wall clock), so imported history stays browsable until newer mail
// pushes it out.
import type { Db } from '../store/db.ts';

const DAY = 86_400_000;

export function applyRetention(db: Db, days: number): { messages: number; rejects: number } {
  const newest = (db.prepare('SELECT max(last_at) AS t FROM messages').get() as { t: number | null }).t;
  if (newest === null) return { messages: 0, rejects: 0 };
  const cutoff = newest - days * DAY;
  return db.transaction(() => {
    const doomed = 'SELECT id FROM messages WHERE last_at < ? AND state IS NULL';
    db.prepare(`DELETE FROM message_lines WHERE message IN (${doomed})`).run(cutoff);
    const messages = db.prepare('DELETE FROM messages WHERE last_at < ? AND state IS NULL').run(cutoff).changes;
    const rejects = db.prepare('DELETE FROM smtp_rejects WHERE time < ?').run(cutoff).changes;
    db.prepare('DELETE FROM line_counts WHERE hour < ?').run(cutoff);
    return { messages, rejects };
  })();
}
