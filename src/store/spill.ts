// The correlator's spill on disk: open traces moved out of memory keep their state in
// messages.state and are found again here by any of their queue ids, or by deadline. Reads
// only; the writer adds and removes the rows in the batch transaction.
import type { SpillStore } from '../correlate/tracker.ts';
import type { Trace } from '../correlate/trace.ts';
import type { Db } from './db.ts';

export class DbSpill implements SpillStore {
  private count: number;
  /** Handed back to the correlator and not yet written again: not to be handed out twice. */
  private readonly taken = new Set<number>();
  private readonly stmts;

  constructor(db: Db) {
    this.count = (db.prepare('SELECT count(*) AS n FROM spilled_messages').get() as { n: number }).n;
    this.stmts = {
      byQueueId: db.prepare(`SELECT m.id, m.state FROM spilled_queue_ids s JOIN messages m ON m.id = s.message
        WHERE s.host = ? AND s.queue_id = ?`),
      due: db.prepare(`SELECT m.id, m.state FROM spilled_messages s JOIN messages m ON m.id = s.message
        WHERE s.deadline <= ? ORDER BY s.deadline, s.message`),
    };
  }

  get size(): number {
    return this.count;
  }

  take(host: string, qid: string): Trace | undefined {
    const r = this.stmts.byQueueId.get(host, qid) as { id: number; state: string } | undefined;
    return r && !this.taken.has(r.id) ? this.hand(r) : undefined;
  }

  due(now: number): Trace[] {
    if (this.count === 0) return [];
    // Infinity is no SQLite number: the largest time there is will do.
    const rows = this.stmts.due.all(Number.isFinite(now) ? now : Number.MAX_SAFE_INTEGER) as { id: number; state: string }[];
    return rows.filter((r) => !this.taken.has(r.id)).map((r) => this.hand(r));
  }

  /** After a batch is written: what it spilled is counted, what it took back is gone from disk. */
  written(spilled: number): void {
    this.count += spilled;
    this.taken.clear();
  }

  private hand(r: { id: number; state: string }): Trace {
    this.taken.add(r.id);
    this.count--;
    return { ...(JSON.parse(r.state) as Trace), row: r.id, lines: [] };
  }
}
