// Failed token guesses counted per client in a fixed window: past the limit the client is
// refused until the window ends. In memory and bounded: a restart forgets, which is fine for
// a limit measured in minutes.
export interface LimitOptions {
  /** Failures allowed per window; the next attempt is refused. */
  failures: number;
  windowMs: number;
  /** Every failed attempt waits this long before its answer. */
  delayMs: number;
}

export const DEFAULT_LIMITS: LimitOptions = { failures: 10, windowMs: 60_000, delayMs: 250 };

/** Clients remembered at most: past it, ended windows go first, then the oldest. */
const MAX_CLIENTS = 10_000;

interface Window {
  start: number;
  failures: number;
}

export class FailureLimiter {
  private readonly clients = new Map<string, Window>();

  constructor(readonly opts: LimitOptions = DEFAULT_LIMITS, private readonly now: () => number = Date.now) {}

  /** Seconds until `client` may try again, or 0 when it may try now. */
  retryAfter(client: string): number {
    const w = this.current(client);
    if (!w || w.failures < this.opts.failures) return 0;
    return Math.max(1, Math.ceil((w.start + this.opts.windowMs - this.now()) / 1000));
  }

  /** Counts a failure; returns how many `client` has had in this window. */
  fail(client: string): number {
    let w = this.current(client);
    if (!w) {
      this.makeRoom();
      w = { start: this.now(), failures: 0 };
      this.clients.set(client, w);
    }
    return ++w.failures;
  }

  private current(client: string): Window | undefined {
    const w = this.clients.get(client);
    if (w && this.now() - w.start >= this.opts.windowMs) {
      this.clients.delete(client);
      return undefined;
    }
    return w;
  }

  private makeRoom(): void {
    if (this.clients.size < MAX_CLIENTS) return;
    const t = this.now();
    for (const [k, w] of this.clients) if (t - w.start >= this.opts.windowMs) this.clients.delete(k);
    // Map order is insertion order: the first key is the oldest window.
    while (this.clients.size >= MAX_CLIENTS) this.clients.delete(this.clients.keys().next().value as string);
  }
}
