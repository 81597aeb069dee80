// The blocklist checker: looks addresses up in DNS lists through the configured resolvers, at a
// low, steady query rate, and reuses each answer until its TTL runs out, so a watch that runs
// every few minutes asks each list at most what the list allows.
import { promises as dns } from 'node:dns';
import { checkAddress, DEFAULT_TTLS, type CheckResult, type DnsResolver, type TtlBounds } from './check.ts';
import { queryName } from './query-name.ts';
import { RateLimiter } from './rate.ts';
import type { ZoneSpec } from './zones.ts';

export { checkAddress, DEFAULT_TTLS, MAX_REASON_LENGTH, type CheckResult, type CheckStatus, type DnsResolver, type TtlBounds } from './check.ts';
export { publicAddresses, isPublicAddress } from './public-addresses.ts';
export { queryName } from './query-name.ts';
export { knownLists, listInfo, type CodeMeaning, type ListInfo, type ZoneSpec } from './zones.ts';

export interface DnsblOptions extends Partial<TtlBounds> {
  /** Resolvers as `ip`, `ip:port` or `[ipv6]:port`; empty or absent: the system's. */
  servers?: string[];
  /** Per-try timeout of one query, in milliseconds. */
  timeoutMs?: number;
  tries?: number;
  /** Queries started per second, over all lists and addresses together. */
  queriesPerSecond?: number;
  /** The clock of the cache, in milliseconds (tests move it). */
  now?: () => number;
}

export const DNSBL_DEFAULTS = { timeoutMs: 3000, tries: 2, queriesPerSecond: 2, ...DEFAULT_TTLS };

// Each option with its allowed range: a wrong value stops start-up naming the option.
const BOUNDS: Record<keyof typeof DNSBL_DEFAULTS, [number, number]> = {
  timeoutMs: [100, 60_000],
  tries: [1, 10],
  queriesPerSecond: [0.01, 100],
  minTtl: [0, 86_400],
  maxTtl: [1, 7 * 86_400],
  negativeTtl: [0, 7 * 86_400],
};

function validated(opts: DnsblOptions): typeof DNSBL_DEFAULTS {
  const out = { ...DNSBL_DEFAULTS };
  for (const [key, [lo, hi]] of Object.entries(BOUNDS) as [keyof typeof DNSBL_DEFAULTS, [number, number]][]) {
    const v = opts[key] ?? DNSBL_DEFAULTS[key];
    if (!Number.isFinite(v) || v < lo || v > hi) throw new Error(`blocklist ${key}: ${v} is outside ${lo} to ${hi}`);
    out[key] = v;
  }
  if (out.minTtl > out.maxTtl) throw new Error(`blocklist minTtl: ${out.minTtl} is above maxTtl ${out.maxTtl}`);
  return out;
}

interface Cached {
  result: CheckResult;
  until: number;
}

export class Dnsbl {
  private readonly resolver: DnsResolver;
  private readonly ttls: TtlBounds;
  private readonly now: () => number;
  private readonly cache = new Map<string, Cached>();
  // Concurrent checks of the same address and list share one lookup.
  private readonly pending = new Map<string, Promise<CheckResult>>();
  private sent = 0;

  constructor(opts: DnsblOptions = {}) {
    const o = validated(opts);
    this.ttls = { minTtl: o.minTtl, maxTtl: o.maxTtl, negativeTtl: o.negativeTtl };
    this.now = opts.now ?? Date.now;
    const real = new dns.Resolver({ timeout: o.timeoutMs, tries: o.tries });
    if (opts.servers && opts.servers.length > 0) {
      try {
        real.setServers(opts.servers);
      } catch (e) {
        throw new Error(`blocklist resolvers: ${(e as Error).message} (expected ip, ip:port or [ipv6]:port)`, { cause: e });
      }
    }
    this.resolver = this.paced(real, new RateLimiter(o.queriesPerSecond));
  }

  /** DNS queries sent so far (A and TXT), for metrics. */
  get queriesSent(): number {
    return this.sent;
  }

  /** Every query goes through the limiter, the TXT of a listing too. */
  private paced(real: DnsResolver, limiter: RateLimiter): DnsResolver {
    const count = <T>(fn: () => Promise<T>) =>
      limiter.schedule(() => {
        this.sent++;
        return fn();
      });
    return {
      resolve4: ((name: string, o: { ttl: true }) => count(() => real.resolve4(name, o))) as DnsResolver['resolve4'],
      resolveTxt: (name) => count(() => real.resolveTxt(name)),
    };
  }

  /** One address in one list; a cached result while its TTL lasts. */
  async check(address: string, zone: string | ZoneSpec): Promise<CheckResult> {
    const key = queryName(address, typeof zone === 'string' ? zone : zone.zone);
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) return hit.result;
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const p = checkAddress(this.resolver, address, zone, this.ttls)
      .then((result) => {
        this.cache.set(key, { result, until: this.now() + result.ttl * 1000 });
        return result;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }

  /** Forgets every cached answer: the next checks ask the lists again (serve's SIGHUP). */
  forget(): void {
    this.cache.clear();
  }

  /** Every address in every list, address by address; the order of the results is that too. */
  async checkAll(addresses: string[], zones: (string | ZoneSpec)[]): Promise<CheckResult[]> {
    this.prune();
    return Promise.all(addresses.flatMap((a) => zones.map((z) => this.check(a, z))));
  }

  /** Forgets expired results, so addresses and lists no longer checked do not pile up. */
  private prune(): void {
    const now = this.now();
    for (const [k, v] of this.cache) if (v.until <= now) this.cache.delete(k);
  }
}
