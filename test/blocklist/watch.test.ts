// serve's blocklist watch against a real DNS server (dnsmasq, test/lib/dns.ts) serving test
// zones that answer as real lists do: our address listed at a backscatter list (with a hostile
// TXT reason), refused by a Spamhaus-like list (a public-resolver code), and a list that never
// answers. The listing fires the `listed` alert on a real webhook, shows in /api/blocklists,
// /metrics and /healthz; a failed lookup changes no status; after the list drops us (dnsmasq
// restarted without the record) a SIGHUP checks again and the alert resolves. Every query goes
// to the test's server: none leaves the machine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG } from '../advise/listed-log.ts';
import { startReceiver, type Receiver } from '../alerts/receiver.ts';
import { cliEntry } from '../daemon/lib/cli-entry.ts';
import { freePort, killHard, startServe, stopClean, type ServeRun } from '../daemon/lib/serve-process.ts';
import { dnsAvailable, startDns, type DnsServer, type DnsZones } from '../lib/dns.ts';

const ADDRESS = '192.0.2.25';
const REVERSED = '25.2.0.192';
const REASON = '<img src=x onerror="alert(1)"> listed for backscatter \u202egnp.exe';
const ZONES: DnsZones = {
  zones: ['bs.bl.test', 'zen.bl.test', 'slow.bl.test'],
  a: { [`${REVERSED}.bs.bl.test`]: { addresses: ['127.0.0.2'], ttl: 600 }, [`${REVERSED}.zen.bl.test`]: { addresses: ['127.255.255.254'], ttl: 600 } },
  txt: { [`${REVERSED}.bs.bl.test`]: [REASON] },
  timeout: ['slow.bl.test'],
};
const enabled = dnsAvailable();

interface Check { address: string; zone: string; status: string; reasons: string[]; codes: string[]; meaning: string | null; last_error: string | null; since: string;
  before_listing: { backscatter_ndrs: number } | null }

describe.skipIf(!enabled)('the blocklist watch in serve, on a real DNS server', () => {
  let dir = '';
  let dns: DnsServer;
  let hook: Receiver;
  let serve: ServeRun;
  let entry: Awaited<ReturnType<typeof cliEntry>>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bw-watch-'));
    dns = await startDns(ZONES);
    hook = await startReceiver();
    entry = await cliEntry();
    const log = path.join(dir, 'mail.log');
    writeFileSync(log, `${LOG.join('\n')}\n`);
    const config = path.join(dir, 'bw.json');
    writeFileSync(config, JSON.stringify({
      local_domains: ['pfx.test'], public_ips: [ADDRESS], dnsbl_resolvers: [dns.server], dnsbl_queries_per_second: 20,
      dnsbl_zones: ['bs.bl.test=ips.backscatterer.org', 'zen.bl.test=zen.spamhaus.org', 'slow.bl.test'],
      alert_rules: ['listed'], alert_webhook_url: hook.url,
    }));
    // The tests' environment turns the checks off (vitest.config.ts); the flag turns them on.
    serve = startServe(entry.entry, path.join(dir, 'bw.db'), [log], await freePort(), ['--config', config, '--dnsbl-interval-minutes', '60']);
    expect(await serve.serving).toBe(true);
  }, 60_000);

  afterAll(async () => {
    if (serve) await killHard(serve);
    await hook?.close();
    await dns?.stop();
    entry?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const api = async () => (await (await fetch(`http://127.0.0.1:${serve.port}/api/blocklists`)).json()) as { listed: number; checks: Check[] };

  it('finds the listing, fires the listed alert, and keeps a failed lookup as unknown with its reason', async () => {
    await hook.waitFor((r) => r.some((x) => x.body.status === 'firing'), 30_000);
    expect(hook.received.map((r) => `${r.body.status} ${r.body.alert.rule} ${r.body.alert.key}`)).toEqual([`firing listed ${ADDRESS} bs.bl.test`]);
    const text = hook.received[0]!.body.text;
    expect(text).toContain('`&lt;img src=x onerror="alert(1)"&gt; listed for backscatter \ufffdgnp.exe`');
    expect(text).toContain('1 backscatter NDRs');
    await expect.poll(async () => (await api()).checks.filter((c) => c.status !== 'unknown' || c.last_error).length, { timeout: 30_000 }).toBe(3);
    const body = await api();
    expect(body.listed).toBe(1);
    const [bs, slow, zen] = body.checks;
    expect(bs).toMatchObject({ address: ADDRESS, zone: 'bs.bl.test', status: 'listed', codes: ['127.0.0.2'], reasons: [REASON], last_error: null,
      meaning: 'sends backscatter: bounces or auto-replies to forged senders', before_listing: { backscatter_ndrs: 1 } });
    expect(slow).toMatchObject({ zone: 'slow.bl.test', status: 'unknown', codes: [] });
    expect(slow!.last_error).toMatch(/ETIMEOUT/);
    expect(zen).toMatchObject({ zone: 'zen.bl.test', status: 'unknown' });
    expect(zen!.last_error).toMatch(/refused|resolver/i);
    const metrics = await (await fetch(`http://127.0.0.1:${serve.port}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^bouncewatch_dnsbl_listed\\{address="${ADDRESS}",zone="bs\\.bl\\.test"\\} 1$`, 'm'));
    expect(metrics).toMatch(new RegExp(`^bouncewatch_dnsbl_check_failing\\{address="${ADDRESS}",zone="zen\\.bl\\.test"\\} 1$`, 'm'));
    expect(metrics).not.toMatch(/^bouncewatch_dnsbl_listed\{[^}]*zen\.bl\.test/m);
    const health = (await (await fetch(`http://127.0.0.1:${serve.port}/healthz`)).json()) as { blocklists: { addresses: string[]; listed: number; failed: number } };
    expect(health.blocklists).toMatchObject({ addresses: [ADDRESS], listed: 1, failed: 2 });
    // Every query went to the test's server, for the test's zones only.
    expect(dns.queries.length).toBeGreaterThanOrEqual(4);
    expect(dns.queries.every((q) => q.name.endsWith('.bl.test'))).toBe(true);
  }, 60_000);

  it('sees the delisting after a SIGHUP (cached answers forgotten) and resolves the alert', async () => {
    const since = (await api()).checks[0]!.since;
    await dns.reload({ ...ZONES, a: { [`${REVERSED}.zen.bl.test`]: { addresses: ['127.255.255.254'], ttl: 600 } }, txt: {} });
    serve.child.kill('SIGHUP');
    await hook.waitFor((r) => r.some((x) => x.body.status === 'resolved'), 30_000);
    expect(hook.received.map((r) => `${r.body.status} ${r.body.alert.key}`)).toEqual([`firing ${ADDRESS} bs.bl.test`, `resolved ${ADDRESS} bs.bl.test`]);
    const bs = (await api()).checks[0]!;
    expect(bs).toMatchObject({ status: 'not_listed', codes: [], reasons: [], before_listing: null });
    expect(Date.parse(bs.since)).toBeGreaterThan(Date.parse(since));
    expect(await stopClean(serve)).toBe(0);
  }, 60_000);
});
