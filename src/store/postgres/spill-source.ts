// The spill's look-ups on PostgreSQL, one agent's spill only, through the synchronous query
// worker (sync-query.ts). The worker is started at the first look-up: most runs never spill.
import type { SpillSource } from '../spill.ts';
import type { SavedMessage } from '../types.ts';
import { SyncQuery } from './sync-query.ts';

export function pgSpill(url: string, agent: string, count: number): SpillSource & { close(): Promise<void> } {
  let sync: SyncQuery | undefined;
  const q = <T>(text: string, values: unknown[]) => (sync ??= new SyncQuery(url)).query<T>(text, values);
  return {
    count: () => count,
    byQueueId: (host, qid) => q<SavedMessage>(`SELECT m.message AS id, m.state FROM spilled_queue_ids s JOIN spilled_messages m ON m.message = s.message
      WHERE s.agent = $1 AND s.host = $2 AND s.queue_id = $3`, [agent, host, qid])[0],
    due: (now) => q<SavedMessage>('SELECT message AS id, state FROM spilled_messages WHERE agent = $1 AND deadline <= $2 ORDER BY deadline, message', [agent, now]),
    keys: () => q<{ host: string; queue_id: string }>('SELECT host, queue_id FROM spilled_queue_ids WHERE agent = $1', [agent]),
    close: async () => {
      await sync?.close();
    },
  };
}
