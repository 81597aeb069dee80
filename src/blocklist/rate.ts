// Spaces out DNS queries: lists throttle or ban resolvers that burst, and a watch that checks a
// few addresses an hour has no reason to hurry. Starts are queued at most `perSecond` a second.
export class RateLimiter {
  private readonly interval: number;
  private next = 0;

  constructor(perSecond: number) {
    this.interval = 1000 / perSecond;
  }

  /** Runs `fn` at its turn; the turns are taken in call order. */
  async schedule<T>(fn: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + this.interval;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
    return fn();
  }
}
