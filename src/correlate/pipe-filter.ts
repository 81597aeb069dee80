// Postfix's "simple content filter" (FILTER_README): pipe(8) hands the message to a script
// that re-injects it with `sendmail -G -i -f sender -- rcpts`, so the copy arrives through
// pickup with a new queue id. Pairs the two copies by host, Message-ID and sender.

/** How far apart (log time) the hand-off and the pickup may be and still be one message. */
export const PIPE_FILTER_WINDOW_MS = 5 * 60_000;

interface Side {
  qid: string;
  at: number;
}

/**
 * Two waiting lists keyed by (host, Message-ID, sender): messages just handed to a pipe
 * transport (`status=sent (delivered via X service)`), and pickup copies whose Message-ID is
 * known. The pipe line may come before or after the copy's pickup and cleanup lines (the
 * script's sendmail returns before pipe logs), so whichever side comes second makes the pair.
 */
export class PipeFilterPairs {
  private readonly handed = new Map<string, Side>();
  private readonly picked = new Map<string, Side>();

  constructor(private readonly windowMs = PIPE_FILTER_WINDOW_MS) {}

  /** A message handed to a pipe transport: the pickup copy's queue id when it came first. */
  handedOff(host: string, messageId: string, sender: string, qid: string, at: number): string | undefined {
    return this.meet(this.picked, this.handed, pairKey(host, messageId, sender), { qid, at });
  }

  /** A pickup copy whose Message-ID is known: the handed-off message's queue id when it came first. */
  pickedUp(host: string, messageId: string, sender: string, qid: string, at: number): string | undefined {
    return this.meet(this.handed, this.picked, pairKey(host, messageId, sender), { qid, at });
  }

  private meet(other: Map<string, Side>, mine: Map<string, Side>, k: string, side: Side): string | undefined {
    prune(other, side.at - this.windowMs);
    prune(mine, side.at - this.windowMs);
    const found = other.get(k);
    if (found && found.qid !== side.qid) {
      other.delete(k);
      return found.qid;
    }
    // Latest wins: a Message-ID resent later is a new message.
    mine.delete(k);
    mine.set(k, side);
    return undefined;
  }
}

function pairKey(host: string, messageId: string, sender: string): string {
  return `${host}\n${messageId}\n${sender.toLowerCase()}`;
}

/** Drops entries older than `before`; entries are in arrival order, so the oldest come first. */
function prune(m: Map<string, Side>, before: number): void {
  for (const [k, v] of m) {
    if (v.at >= before) return;
    m.delete(k);
  }
}
