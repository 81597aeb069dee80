// Which domains are ours: configured ones, plus those the log shows us delivering to ourselves
// (local, virtual, pipe, or LMTP over a unix socket). A sender there is not a forgery victim.

const LOCAL_AGENTS = new Set(['local', 'virtual', 'pipe']);

export class LocalDomains {
  private readonly known = new Set<string>();
  private learned: string[] = [];

  constructor(configured: readonly string[], learnedBefore: readonly string[] = []) {
    for (const d of [...configured, ...learnedBefore]) this.known.add(d.toLowerCase());
  }

  has(domain: string): boolean {
    return this.known.has(domain.toLowerCase());
  }

  noteDelivery(agent: string, relay: string | undefined, address: string): void {
    const local = LOCAL_AGENTS.has(agent) || (agent === 'lmtp' && relay !== undefined && relay.includes('[/'));
    if (!local) return;
    const at = address.lastIndexOf('@');
    if (at < 0) return;
    const domain = address.slice(at + 1).toLowerCase();
    if (domain === '' || this.known.has(domain)) return;
    this.known.add(domain);
    this.learned.push(domain);
  }

  /** Domains learnt since the last call, for the store to persist. */
  takeLearned(): string[] {
    const out = this.learned;
    this.learned = [];
    return out;
  }
}
