// The DNSBL checker against a real DNS server (dnsmasq, test/lib/dns.ts) that serves test zones
// only: each expected result below is written from the zone description the test gives it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as dns } from 'node:dns';
import { checkAddress, Dnsbl, queryName, type DnsResolver } from '../../src/blocklist/dnsbl.ts';
import { dnsAvailable, startDns, type DnsServer } from '../lib/dns.ts';

const V6 = '2001:db8::1';
const V6_NAME = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test';
const LONG = 'x'.repeat(400);

const ZONES = {
  zones: ['bl.test', 'bs.bl.test', 'zen.bl.test'],
  a: {
    '1.2.0.192.bs.bl.test': { addresses: ['127.0.0.2'], ttl: 600 },
    '3.2.0.192.bl.test': { addresses: ['127.0.0.2', '127.0.0.4'], ttl: 120 },
    '4.2.0.192.bl.test': { addresses: ['127.0.0.3'], ttl: 30 },
    '5.2.0.192.zen.bl.test': { addresses: ['127.255.255.254'], ttl: 60 },
    '6.2.0.192.bl.test': { addresses: ['10.0.0.1'], ttl: 60 },
    '7.2.0.192.zen.bl.test': { addresses: ['127.0.0.10'], ttl: 60 },
    [V6_NAME]: { addresses: ['127.0.0.2'], ttl: 60 },
  },
  txt: {
    '1.2.0.192.bs.bl.test': ['  Listed for backscatter, see http://bs.test/?ip=192.0.2.1  '],
    '4.2.0.192.bl.test': [LONG],
  },
  servfail: ['fail.test'],
  timeout: ['slow.test'],
};

const run = dnsAvailable();

describe.skipIf(!run)('DNSBL lookups against dnsmasq', () => {
  let server: DnsServer;
  let resolver: DnsResolver;
  const queriesFor = (name: string) => server.queries.filter((q) => q.name === name);

  beforeAll(async () => {
    server = await startDns(ZONES);
    const r = new dns.Resolver({ timeout: 300, tries: 1 });
    r.setServers([server.server]);
    resolver = r;
  });
  afterAll(async () => server?.stop());

  const ttls = { minTtl: 1, maxTtl: 3600, negativeTtl: 900 };

  it('reads a listing: code, TXT reason trimmed, and the meaning of the list it is like', async () => {
    const r = await checkAddress(resolver, '192.0.2.1', { zone: 'bs.bl.test', like: 'ips.backscatterer.org' }, ttls);
    expect(r).toEqual({
      address: '192.0.2.1',
      zone: 'bs.bl.test',
      status: 'listed',
      codes: ['127.0.0.2'],
      reasons: ['Listed for backscatter, see http://bs.test/?ip=192.0.2.1'],
      meaning: 'sends backscatter: bounces or auto-replies to forged senders',
      ttl: 600,
    });
  });

  it('an unknown list: any 127.x answer is a listing with no meaning; TTL is the lowest, TXT capped', async () => {
    const two = await checkAddress(resolver, '192.0.2.3', 'bl.test', ttls);
    expect(two).toMatchObject({ status: 'listed', codes: ['127.0.0.2', '127.0.0.4'], reasons: [], meaning: null, ttl: 120 });
    const long = await checkAddress(resolver, '192.0.2.4', 'bl.test', { ...ttls, minTtl: 45 });
    expect(long.status).toBe('listed');
    expect(long.ttl).toBe(45); // 30 in the answer, raised to minTtl
    expect(long.reasons).toHaveLength(1);
    expect(long.reasons[0]).toHaveLength(300);
    expect(long.reasons[0]!.endsWith('…')).toBe(true);
  });

  it('NXDOMAIN is not listed, with the negative TTL, and asks no TXT', async () => {
    const r = await checkAddress(resolver, '192.0.2.9', 'bl.test', ttls);
    expect(r).toEqual({ address: '192.0.2.9', zone: 'bl.test', status: 'not_listed', codes: [], reasons: [], meaning: null, ttl: 900 });
    expect(queriesFor('9.2.0.192.bl.test').map((q) => q.type)).toEqual([1]);
  });

  it('a Spamhaus refusal code is refused, telling to use a local resolver', async () => {
    const r = await checkAddress(resolver, '192.0.2.5', { zone: 'zen.bl.test', like: 'zen.spamhaus.org' }, ttls);
    expect(r.status).toBe('refused');
    expect(r.codes).toEqual(['127.255.255.254']);
    expect(r.meaning).toBe('query refused: sent through a public or open resolver');
    expect(r.error).toMatch(/public resolvers/);
    expect(r.error).toMatch(/local resolver/);
  });

  it('a PBL code is a listing whose meaning says policy, not abuse', async () => {
    const r = await checkAddress(resolver, '192.0.2.7', { zone: 'zen.bl.test', like: 'zen.spamhaus.org' }, ttls);
    expect(r).toMatchObject({ status: 'listed', codes: ['127.0.0.10'] });
    expect(r.meaning).toMatch(/^PBL \(ISP\): policy: end-user range/);
  });

  it('an answer outside 127.0.0.0/8 is an error, not a listing', async () => {
    const r = await checkAddress(resolver, '192.0.2.6', 'bl.test', ttls);
    expect(r).toMatchObject({ status: 'error', codes: ['10.0.0.1'] });
    expect(r.error).toMatch(/outside 127\.0\.0\.0\/8/);
  });

  it('SERVFAIL and a timeout are errors carrying the code', async () => {
    const fail = await checkAddress(resolver, '192.0.2.1', 'fail.test', ttls);
    expect(fail).toMatchObject({ status: 'error', codes: [], ttl: 900 });
    expect(fail.error).toMatch(/^ESERVFAIL: 1\.2\.0\.192\.fail\.test/);
    const slow = await checkAddress(resolver, '192.0.2.1', 'slow.test', ttls);
    expect(slow.status).toBe('error');
    expect(slow.error).toMatch(/^ETIMEOUT: 1\.2\.0\.192\.slow\.test/);
  });

  it('IPv6 is asked by its 32 reversed nibbles', async () => {
    expect(queryName(V6, 'bl.test')).toBe(V6_NAME);
    const r = await checkAddress(resolver, V6, 'bl.test', ttls);
    expect(r).toMatchObject({ status: 'listed', codes: ['127.0.0.2'] });
    expect(queriesFor(V6_NAME).length).toBeGreaterThan(0);
  });

  it('Dnsbl uses only the resolver it is configured with, and reuses results until their TTL ends', async () => {
    let now = 1_000_000;
    const bl = new Dnsbl({ servers: [server.server], timeoutMs: 300, tries: 1, queriesPerSecond: 50, minTtl: 1, negativeTtl: 300, now: () => now });
    const before = server.queries.length;
    const first = await bl.checkAll(['192.0.2.3', '192.0.2.9'], ['bl.test']);
    expect(first.map((r) => r.status)).toEqual(['listed', 'not_listed']);
    // The listing: A and TXT; the NXDOMAIN: A only. All of them came through the server given.
    expect(server.queries.length - before).toBe(3);
    expect(bl.queriesSent).toBe(3);

    now += 100_000; // within both TTLs (120 s, 300 s)
    expect(await bl.checkAll(['192.0.2.3', '192.0.2.9'], ['bl.test'])).toEqual(first);
    expect(server.queries.length - before).toBe(3);

    now += 30_000; // past the listing's 120 s, not the negative 300 s
    await bl.checkAll(['192.0.2.3', '192.0.2.9'], ['bl.test']);
    expect(server.queries.slice(before + 3).map((q) => `${q.name} ${q.type}`)).toEqual(['3.2.0.192.bl.test 1', '3.2.0.192.bl.test 16']);
  });

  it('Dnsbl spaces its queries at the configured rate, across lists', async () => {
    const bl = new Dnsbl({ servers: [server.server], timeoutMs: 300, tries: 1, queriesPerSecond: 5 });
    const before = server.queries.length;
    const results = await bl.checkAll(['192.0.2.20', '192.0.2.21', '192.0.2.22'], ['bl.test', 'zen.bl.test']);
    expect(results.map((r) => `${r.address} ${r.zone} ${r.status}`)).toEqual([
      '192.0.2.20 bl.test not_listed',
      '192.0.2.20 zen.bl.test not_listed',
      '192.0.2.21 bl.test not_listed',
      '192.0.2.21 zen.bl.test not_listed',
      '192.0.2.22 bl.test not_listed',
      '192.0.2.22 zen.bl.test not_listed',
    ]);
    const at = server.queries.slice(before).map((q) => q.at);
    expect(at).toHaveLength(6);
    // 5 a second: 200 ms apart (a few ms of timer slack).
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(190);
  });
});

describe('query names', () => {
  it('IPv4 reversed; IPv6 expanded to 32 nibbles, a dotted tail converted; zone case and dots dropped', () => {
    expect(queryName('127.0.0.2', 'ZEN.Spamhaus.org.')).toBe('2.0.0.127.zen.spamhaus.org');
    expect(queryName('::ffff:192.0.2.1', 'bl.test')).toBe(`1.0.2.0.0.0.0.c.f.f.f.f.${'0.'.repeat(20)}bl.test`);
    expect(queryName('2001:DB8:0:0:1::', 'bl.test')).toBe(`${'0.'.repeat(12)}1.0.0.0.${'0.'.repeat(8)}8.b.d.0.1.0.0.2.bl.test`);
    expect(() => queryName('mail.example', 'bl.test')).toThrow(/not an IP address/);
  });
});

describe('Dnsbl options', () => {
  it('a bad option stops construction, naming it', () => {
    expect(() => new Dnsbl({ queriesPerSecond: 0 })).toThrow(/blocklist queriesPerSecond: 0 is outside/);
    expect(() => new Dnsbl({ minTtl: 600, maxTtl: 60 })).toThrow(/blocklist minTtl/);
    expect(() => new Dnsbl({ servers: ['not a server'] })).toThrow(/blocklist resolvers/);
  });

  it('like must name a known list', async () => {
    await expect(checkAddress({} as DnsResolver, '192.0.2.1', { zone: 'x.test', like: 'nope.example' })).rejects.toThrow(/like 'nope.example' is not a known list/);
  });
});
