// The new-source rule's memory: which client networks, local domains and recipients produced
// backscatter before the window. Seeded once from the store (the days before the first
// window), then kept up to date from each window's backscatter messages; a restart seeds again.
import { isIPv4 } from 'node:net';
import type { MessageRecord } from '../correlate/record.ts';
import type { Store } from '../store/store.ts';
import type { Period } from '../store/types.ts';

const DAY = 86_400_000;
/** Backscatter messages read to seed at most: beyond, the oldest days are not known (logged). */
export const SEED_CAP = 500_000;
/** Sources remembered at most; beyond, the first remembered are forgotten (they may alert as new again). */
export const SEEN_CAP = 200_000;
/** Backscatter messages of one window read at most. */
const WINDOW_CAP = 50_000;

export interface SourceCount {
  kind: 'client' | 'domain' | 'recipient';
  value: string;
  ndrs: number;
  messages: number;
  /** The message filter that shows its evidence. */
  filter: Record<string, string>;
}

/** An IPv4 address's /24 or an IPv6 address's /64: spam runs rotate addresses inside a network. */
export function networkOf(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  const full = expand6(ip);
  return full ? `${full.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64` : ip;
}

function expand6(ip: string): string[] | null {
  const [head, tail] = ip.toLowerCase().split('::') as [string, string | undefined];
  const a = head ? head.split(':') : [];
  const b = tail ? tail.split(':') : [];
  if (tail === undefined && a.length !== 8) return null;
  return [...a, ...Array<string>(8 - a.length - b.length).fill('0'), ...b];
}

const ndrsOf = (m: MessageRecord) => Math.max(1, m.notifications.filter((n) => n.type === 'non_delivery').length);
const FAILED = new Set(['bounced', 'expired']);

/** The sources one backscatter message counts for. */
function sourcesOf(m: MessageRecord): { kind: SourceCount['kind']; value: string; ip?: string }[] {
  const out: { kind: SourceCount['kind']; value: string; ip?: string }[] = [];
  if (m.client_ip) out.push({ kind: 'client', value: networkOf(m.client_ip), ip: m.client_ip });
  const domains = new Set<string>();
  for (const r of m.recipients) {
    if (!FAILED.has(r.status) || !r.address) continue;
    const address = r.address.toLowerCase();
    out.push({ kind: 'recipient', value: address });
    const at = address.lastIndexOf('@');
    if (at > 0) domains.add(address.slice(at + 1));
  }
  for (const d of domains) out.push({ kind: 'domain', value: d });
  return out;
}

export class NewSources {
  /** Each source's earliest and latest backscatter (log time) that is remembered. */
  private readonly seen = new Map<string, { first: number; last: number }>();
  private seeded = false;
  /** Seeding was cut at SEED_CAP messages. */
  capped = false;

  constructor(private readonly days: number) {}

  get ready(): boolean {
    return this.seeded;
  }

  private sight(key: string, at: number): void {
    const s = this.seen.get(key);
    if (!s) {
      this.seen.set(key, { first: at, last: at });
      if (this.seen.size > SEEN_CAP) this.seen.delete(this.seen.keys().next().value as string);
    } else {
      if (at < s.first) s.first = at;
      if (at > s.last) s.last = at;
    }
  }

  /** Reads the days before `before` once: what was a source then is not new. */
  private async seed(store: Store, before: number): Promise<void> {
    let n = 0;
    for await (const m of store.messages({ from: before - this.days * DAY, to: before }, { backscatter: true })) {
      const at = Date.parse(m.received_at);
      for (const s of sourcesOf(m)) this.sight(`${s.kind}:${s.value}`, at);
      if (++n >= SEED_CAP) {
        this.capped = true;
        break;
      }
    }
    this.seeded = true;
  }

  /** The window's backscatter by source (remembered as seen), most NDRs first. */
  async window(store: Store, w: Period): Promise<SourceCount[]> {
    if (!this.seeded) await this.seed(store, w.from);
    this.forget(w.from - this.days * DAY);
    const counts = new Map<string, SourceCount & { ips: Map<string, number> }>();
    let n = 0;
    for await (const m of store.messages(w, { backscatter: true })) {
      const at = Date.parse(m.received_at);
      const ndrs = ndrsOf(m);
      for (const s of sourcesOf(m)) {
        const key = `${s.kind}:${s.value}`;
        let c = counts.get(key);
        if (!c) {
          c = { kind: s.kind, value: s.value, ndrs: 0, messages: 0, filter: {}, ips: new Map() };
          counts.set(key, c);
        }
        c.ndrs += ndrs;
        c.messages++;
        if (s.ip) c.ips.set(s.ip, (c.ips.get(s.ip) ?? 0) + 1);
      }
      // Sighted after counting: isNew asks about what came before the window only.
      for (const s of sourcesOf(m)) this.sight(`${s.kind}:${s.value}`, at);
      if (++n >= WINDOW_CAP) break;
    }
    return [...counts.values()].map(({ ips, ...c }) => ({ ...c, filter: filterOf(c, ips) })).sort((a, b) => b.ndrs - a.ndrs || a.value.localeCompare(b.value));
  }

  /** No backscatter from this source before the window (in the days the rule looks back). */
  isNew(c: SourceCount, windowFrom: number): boolean {
    const s = this.seen.get(`${c.kind}:${c.value}`);
    return s === undefined || s.first >= windowFrom;
  }

  /** Sources quiet since `before` are forgotten: quiet for the rule's days, they are new again. */
  private forget(before: number): void {
    for (const [k, s] of this.seen) if (s.last < before) this.seen.delete(k);
  }
}

/** The messages filter of a source: a network shows its busiest address (the filter takes one). */
function filterOf(c: SourceCount, ips: Map<string, number>): Record<string, string> {
  if (c.kind === 'domain') return { domain: c.value };
  if (c.kind === 'recipient') return { recipient: c.value };
  const top = [...ips.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  return top ? { client_ip: top[0] } : {};
}
