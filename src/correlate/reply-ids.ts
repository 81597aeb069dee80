// After-queue filters reached over smtp or lmtp that re-inject and answer in their own words
// (`250 2.0.0 Ok: accepted (ID)`, `250 OK id=ID`, ...) instead of `queued as ID`: a queue id
// named in the reply is the copy's when it is a new queue file in the same host's log.
import { lateChild } from './late-lines.ts';
import type { Track } from './track.ts';

/** How far (log time) the copy's first line may be from the delivery line that names it. */
export const REPLY_ID_WINDOW_MS = 60_000;

/** Postfix queue ids, short (hex) or long (enable_long_queue_ids), as whole tokens. */
const QID_TOKEN = /^(?:[0-9A-F]{5,12}|[0-9](?=[0-9A-Za-z]*z)[0-9A-Za-z]{7,20})$/;

/** Tokens of a reply text that have the shape of a Postfix queue id, in order, once each. */
export function replyQueueIds(reason: string): string[] {
  return [...new Set(reason.split(/[^0-9A-Za-z]+/).filter((t) => QID_TOKEN.test(t)))];
}

/**
 * `copy` (the trace holding queue id `qid`) is the re-injected copy of `parent`, whose delivery
 * at `at` named it: `qid` starts `copy` (a new queue file, not a hop or NDR of another message),
 * it began near the delivery, not before `parent`, and with the same sender.
 */
export function isNamedCopy(parent: Track, copy: Track, qid: string, at: number): boolean {
  return !copy.merged && copy.qids[0]?.qid === qid && copy.firstAt >= at - REPLY_ID_WINDOW_MS && lateChild(parent, copy, 'hop');
}

/** A delivery whose reply named queue ids not in the log yet. */
export interface NamingDelivery {
  parentQid: string;
  relay: string | undefined;
  at: number;
  linked: boolean;
}

/**
 * Deliveries waiting for a queue id their reply named: syslog orders no lines across processes,
 * so the copy's first line may be logged after the filter's delivery line (same second). Not
 * saved with the open messages: in the log's own order the copy is always seen first.
 */
export class ReplyIdHops {
  private readonly waiting = new Map<string, NamingDelivery>();

  constructor(private readonly windowMs = REPLY_ID_WINDOW_MS) {}

  get size(): number {
    return this.waiting.size;
  }

  expect(host: string, qids: string[], d: NamingDelivery): void {
    this.prune(d.at);
    for (const q of qids) {
      this.waiting.delete(key(host, q));
      this.waiting.set(key(host, q), d);
    }
  }

  /** The delivery that named queue id `qid` and waits for it (within the window), if any. */
  waitingFor(host: string, qid: string, at: number): NamingDelivery | undefined {
    this.prune(at);
    const d = this.waiting.get(key(host, qid));
    return d && !d.linked ? d : undefined;
  }

  /** `qid` was judged: linked (the delivery's other ids wait no more), or not that delivery's copy. */
  settled(host: string, qid: string, linked: boolean): void {
    const d = this.waiting.get(key(host, qid));
    this.waiting.delete(key(host, qid));
    if (d && linked) d.linked = true;
  }

  /** Entries are in arrival order, so the oldest come first. */
  private prune(now: number): void {
    for (const [k, d] of this.waiting) {
      if (d.at >= now - this.windowMs) return;
      this.waiting.delete(k);
    }
  }
}

function key(host: string, qid: string): string {
  return `${host} ${qid}`;
}
