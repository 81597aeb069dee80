// serve's blocklist watch: every dnsbl_interval_minutes, our sending addresses (public_ips, or
// the host's public interface addresses and those the MTA's config binds) are looked up in
// each configured DNSBL, at a low rate and cached by TTL (src/blocklist/), and the results go
// to the store, where the `listed` alert rule and the dashboard read them. A failed lookup
// changes no status: a list that does not answer has not delisted us.
import { boundAddresses } from '../advise/audit/bind-addresses.ts';
import { collectFromPath } from '../advise/audit/run-mta.ts';
import { Dnsbl, publicAddresses, type CheckResult, type ZoneSpec } from '../blocklist/dnsbl.ts';
import type { Config } from '../config/schema.ts';
import type { Store } from '../store/store.ts';
import type { BlocklistCheck } from '../store/types.ts';
import type { Logger } from './logger.ts';

export interface WatchStatus {
  addresses: string[];
  zones: string[];
  last_check: string | null;
  /** Checks of the last round that failed (timeout, SERVFAIL, refused resolver). */
  failed: number;
  listed: number;
  queries_sent: number;
  error: string | null;
}

/** "zone" or "zone=known" (a mirror read as a known list). */
export const zoneSpecOf = (s: string): ZoneSpec => {
  const [zone, like] = s.toLowerCase().split('=') as [string, string | undefined];
  return like ? { zone, like } : { zone };
};

/** The addresses the MTA's own config binds for its mail, when its tools are here; none else. */
function mtaAddresses(log: Logger): string[] {
  try {
    const c = collectFromPath();
    return boundAddresses({ ...(c.postfix ? { postfix: c.postfix } : {}), ...(c.exim ? { exim: c.exim } : {}) });
  } catch (e) {
    log.debug({ err: (e as Error).message }, 'blocklist watch: no MTA configuration read for bound addresses');
    return [];
  }
}

/** A lookup result as the store keeps it: errors and refusals are an unknown status with the reason. */
export function toCheck(r: CheckResult, agent: string, at: number): BlocklistCheck {
  const failed = r.status === 'error' || r.status === 'refused';
  return {
    address: r.address, zone: r.zone, status: failed ? 'unknown' : (r.status as 'listed' | 'not_listed'), codes: failed ? [] : r.codes, reasons: failed ? [] : r.reasons,
    meaning: failed ? null : r.meaning, error: failed ? (r.error ?? r.status) : null, checked_at: at, agent,
  };
}

export class BlocklistWatch {
  private readonly dnsbl: Dnsbl;
  private readonly zones: ZoneSpec[];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  readonly status: WatchStatus;

  constructor(private readonly store: Store, private readonly cfg: Config, private readonly log: Logger, private readonly onChecked: () => void) {
    this.dnsbl = new Dnsbl({ servers: cfg.dnsbl_resolvers, queriesPerSecond: cfg.dnsbl_queries_per_second });
    this.zones = cfg.dnsbl_zones.map(zoneSpecOf);
    this.status = { addresses: [], zones: this.zones.map((z) => z.zone), last_check: null, failed: 0, listed: 0, queries_sent: 0, error: null };
  }

  get enabled(): boolean {
    return this.cfg.dnsbl_interval_minutes > 0 && this.zones.length > 0;
  }

  start(): void {
    if (!this.enabled) return;
    const every = this.cfg.dnsbl_interval_minutes * 60_000;
    const tick = () => {
      this.running = this.round();
      // The next round after this one is over and the interval has passed.
      this.timer = setTimeout(() => void this.running?.then(tick), every);
      this.timer.unref();
    };
    tick();
  }

  /** One round: every address at every list; logs what changed. */
  async round(): Promise<void> {
    try {
      const addresses = publicAddresses(this.cfg.public_ips, this.cfg.public_ips.length > 0 ? [] : mtaAddresses(this.log));
      this.status.addresses = addresses;
      if (addresses.length === 0) {
        this.status.error = 'no public address found to check: set public_ips';
        this.log.warn('blocklist watch: no public address of this host found (NAT?): set public_ips to the addresses your mail leaves from');
        return;
      }
      const before = new Map((await this.store.blocklistStatus()).map((r) => [`${r.address} ${r.zone}`, r.status]));
      const at = Date.now();
      const results = await this.dnsbl.checkAll(addresses, this.zones);
      // Stopping does not wait for slow lists: a round that ends after it writes nothing.
      if (this.stopped) return;
      const checks = results.map((r) => toCheck(r, this.cfg.agent, at));
      await this.store.recordBlocklist(checks);
      await this.store.forgetBlocklist(this.cfg.agent, checks.map((c) => ({ address: c.address, zone: c.zone })));
      for (const c of checks) {
        const was = before.get(`${c.address} ${c.zone}`);
        if (c.status === 'listed' && was !== 'listed') this.log.warn({ address: c.address, zone: c.zone, codes: c.codes, meaning: c.meaning }, 'blocklist watch: listed');
        if (c.status === 'not_listed' && was === 'listed') this.log.info({ address: c.address, zone: c.zone }, 'blocklist watch: delisted');
      }
      const failed = checks.filter((c) => c.status === 'unknown');
      if (failed.length > 0) this.log.warn({ failed: failed.map((c) => `${c.address} ${c.zone}: ${c.error ?? ''}`) }, 'blocklist watch: some lookups failed; their last known status stays');
      Object.assign(this.status, {
        last_check: new Date(at).toISOString(), failed: failed.length, listed: checks.filter((c) => c.status === 'listed').length,
        queries_sent: this.dnsbl.queriesSent, error: null,
      });
      this.onChecked();
    } catch (e) {
      this.status.error = (e as Error).message;
      this.log.warn({ err: (e as Error).message }, 'blocklist watch: the round failed; trying again at the next');
    }
  }

  /** A round now, with every cached answer forgotten (SIGHUP): after a delisting request, say. */
  async now(): Promise<void> {
    if (!this.enabled) return;
    await this.running;
    this.dnsbl.forget();
    this.running = this.round();
    await this.running;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
