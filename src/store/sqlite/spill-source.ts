// The spill's look-ups on SQLite (src/store/spill.ts keeps the Bloom filter and the bookkeeping).
import type { SpillSource } from '../spill.ts';
import type { SavedMessage } from '../types.ts';
import type { Db } from './db.ts';

export function sqliteSpill(db: Db): SpillSource {
  const byQueueId = db.prepare(`SELECT m.message AS id, m.state FROM spilled_queue_ids s JOIN spilled_messages m ON m.message = s.message
    WHERE s.host = ? AND s.queue_id = ?`);
  const due = db.prepare('SELECT message AS id, state FROM spilled_messages WHERE deadline <= ? ORDER BY deadline, message');
  const keys = db.prepare('SELECT host, queue_id FROM spilled_queue_ids');
  return {
    count: () => (db.prepare('SELECT count(*) AS n FROM spilled_messages').get() as { n: number }).n,
    byQueueId: (host, qid) => byQueueId.get(host, qid) as SavedMessage | undefined,
    due: (now) => due.all(now) as SavedMessage[],
    keys: () => keys.iterate() as Iterable<{ host: string; queue_id: string }>,
  };
}
