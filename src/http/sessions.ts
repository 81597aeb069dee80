// Log-in sessions: the cookie carries a random id, never the token, and the id stops working
// when it expires here, whatever the browser does with the cookie. In memory: a restart logs
// everyone out, which costs one log-in.
import { randomBytes } from 'node:crypto';

/** Sessions kept at most; past it the oldest goes (only holders of the token can add one). */
const MAX_SESSIONS = 10_000;

export class Sessions {
  private readonly expiry = new Map<string, number>();

  constructor(readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  create(): string {
    const id = randomBytes(32).toString('hex');
    const t = this.now();
    if (this.expiry.size >= MAX_SESSIONS) {
      for (const [k, until] of this.expiry) if (until <= t) this.expiry.delete(k);
      while (this.expiry.size >= MAX_SESSIONS) this.expiry.delete(this.expiry.keys().next().value as string);
    }
    this.expiry.set(id, t + this.ttlMs);
    return id;
  }

  valid(id: string): boolean {
    const until = this.expiry.get(id);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.expiry.delete(id);
    return false;
  }
}
