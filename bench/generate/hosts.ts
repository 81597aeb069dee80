// One mail server of the generated log: its name, our domains, its process ids, and queue ids
// that never repeat on that host within a file (a bijection of a counter, so no set is kept).
import type { Random } from './random.ts';

/** Domains this organisation receives mail for; each is delivered in a different way. */
export const ORG = {
  /** Mailboxes: local(8) or Dovecot LMTP (Postfix), local_delivery (Exim). */
  mailbox: 'acme.example',
  /** virtual(8) mailboxes. */
  virtual: 'acme-shop.example',
  /** A pipe(8) transport (mailing lists). */
  lists: 'lists.acme.example',
  /** relay_domains: accepted here, delivered to an internal store over SMTP (not local). */
  relay: 'corp.acme.example',
  /** A discard(8) transport: a spam trap. */
  trap: 'trap.acme.example',
} as const;

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(n: number, width: number): string {
  let s = '';
  for (let i = 0; i < width; i++) {
    s = B62[n % 62]! + s;
    n = Math.floor(n / 62);
  }
  return s;
}

/** A 3-round Feistel permutation of 40 bits: distinct counters give distinct ids. */
function permute40(n: number, key: number): number {
  let l = Math.floor(n / 0x100000) & 0xfffff;
  let r = n & 0xfffff;
  for (let round = 0; round < 3; round++) {
    const f = (Math.imul(r ^ key ^ (round * 0x9e37), 0x45d9f3b) >>> 12) & 0xfffff;
    [l, r] = [r, l ^ f];
  }
  return l * 0x100000 + r;
}

export class Host {
  readonly fqdn: string;
  private readonly pids = new Map<string, number[]>();
  private qidCounter: number;
  private readonly qidKey: number;
  private eximCounter: number;

  constructor(
    readonly name: string,
    private readonly r: Random,
    /** Share of inbound mail routed through the after-queue content filter (amavis). */
    readonly filterShare: number,
    /** How mailboxes are reached: Dovecot LMTP over a unix socket, or local(8). */
    readonly mailboxAgent: 'lmtp' | 'local',
  ) {
    this.fqdn = `${name}.${ORG.mailbox}`;
    this.qidCounter = r.int(0, 1 << 30);
    this.qidKey = r.int(0, 0xfffff);
    this.eximCounter = r.int(0, 1 << 20);
    // (counter values above 62^4 would repeat the last part: far beyond any run's messages)
  }

  /** Our domains, as --local-domains gives them to bouncewatch. */
  localDomains(): string[] {
    return [ORG.mailbox, ORG.virtual, ORG.lists, ORG.trap, this.fqdn];
  }

  /** A process id of `daemon`; pools recycle slowly as master(8) restarts idle processes. */
  pid(daemon: string, pool = 4): number {
    let list = this.pids.get(daemon);
    if (!list) {
      list = Array.from({ length: pool }, () => this.r.int(1000, 60000));
      this.pids.set(daemon, list);
    }
    const i = this.r.int(0, list.length - 1);
    if (this.r.chance(0.002)) list[i] = this.r.int(1000, 60000);
    return list[i]!;
  }

  /** A Postfix short queue id: 10 upper-case hex digits, unique on this host in this file. */
  postfixQid(): string {
    const n = permute40(this.qidCounter++ % 2 ** 40, this.qidKey);
    return n.toString(16).toUpperCase().padStart(10, '0');
  }

  /**
   * An Exim 4.97+ message id: base-62 time, process id, and a sub-second part. The last part
   * is the counter times a number prime to 62^4, so ids stay unique for 14.7M messages a host.
   */
  eximId(t: number): string {
    const c = this.eximCounter++;
    return `${base62(Math.floor(t / 1000), 6)}-${base62(this.pid('exim', 8), 11)}-${base62((c * 1_000_003) % 14_776_336, 4)}`;
  }
}
