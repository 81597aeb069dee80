// The JSON API over real HTTP, against a real database filled by importing the logs a real
// Postfix and a real Exim wrote in the e2e harness: its numbers must equal those of
// `report --json` and `messages --json`; bad parameters are 400s naming the parameter. Run on
// both stores: an SQLite file and a real PostgreSQL (test/lib/backends.ts).
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { cliOk } from '../cli/run-cli.ts';
import { stopBackends, testBackends } from '../lib/backends.ts';

const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));
const LOGS = ['postfix-e2e/mail.log', 'exim-e2e/exim-syslog.log'];
const year = (f: string) => new Date((JSON.parse(readFileSync(join(FIX, f), 'utf8')) as { generated_at: string }).generated_at).getUTCFullYear();

let dbPath: string;
let store: Store;
let server: Server;
let base: string;

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const r = await fetch(base + path, { headers, redirect: 'manual' });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (metrics, pages)
  }
  return { status: r.status, body, headers: r.headers };
}

function listen(app: ReturnType<typeof createApp>): Promise<Server> {
  return new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    // The slow CLI runs between requests must not outlast the server's idle keep-alive
    // (5 s), or fetch reuses a socket the server is closing (ECONNRESET).
    s.keepAliveTimeout = 120_000;
  });
}

type Summary = Record<string, number> & { causes: Record<string, number>; backscatter_fates: Record<string, number> };

afterAll(stopBackends);

describe.each(testBackends())('JSON API on the e2e logs ($name)', (backend) => {
  beforeAll(async () => {
    dbPath = await backend.location('api');
    cliOk(['import', '--db', dbPath, '--year', String(year('postfix-e2e/truth.json')), join(FIX, LOGS[0]!)]);
    cliOk(['import', '--db', dbPath, '--year', String(year('exim-e2e/truth.json')), join(FIX, LOGS[1]!)]);
    store = await openStore(dbPath);
    server = await listen(createApp({ store, health: () => ({ status: 'ok' }) }));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    server?.close();
    await store?.close();
  });

  it('/api/summary is the object of report --json', async () => {
    const report = JSON.parse(cliOk(['report', '--db', dbPath, '--json'])) as Summary;
    // The API adds the per-host split (api-hosts.test.ts checks it).
    const withoutHosts = (body: unknown) => {
      const { hosts: _h, ...rest } = body as Record<string, unknown>;
      return rest;
    };
    expect(withoutHosts((await get('/api/summary')).body)).toEqual(report);
    expect(report.backscatter).toBeGreaterThan(30);
    const since = '2000-01-01T00:00:00Z';
    expect(withoutHosts((await get(`/api/summary?from=${since}`)).body)).toEqual(JSON.parse(cliOk(['report', '--db', dbPath, '--json', '--since', since])));
  });

  it('/api/messages pages through exactly the messages of messages --json', async () => {
    const cli = cliOk(['messages', '--db', dbPath, '--json']).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const first = (await get('/api/messages?limit=40')).body as { total: number; items: unknown[] };
    const rest = (await get('/api/messages?limit=500&offset=40')).body as { total: number; items: unknown[] };
    expect(first.total).toBe(cli.length);
    expect([...first.items, ...rest.items]).toEqual(cli);
    const bs = (await get('/api/messages?backscatter=1&limit=500')).body as { total: number; items: { backscatter: boolean }[] };
    expect(bs.total).toBe(cli.filter((m) => m.backscatter).length);
  });

  it('finds a message by queue id, address and message-id, and traces it with its raw lines', async () => {
    const cli = cliOk(['messages', '--db', dbPath, '--json', '--backscatter']).split('\n').filter(Boolean).map((l) => JSON.parse(l) as {
      host: string; queue_id: string; sender: string; message_id: string; ndr: { queue_id: string };
    });
    const m = cli[0]!;
    for (const q of [m.queue_id, m.sender, m.message_id]) {
      const found = (await get(`/api/messages?q=${encodeURIComponent(q)}`)).body as { items: { queue_id: string }[] };
      expect(found.items.map((x) => x.queue_id)).toContain(m.queue_id);
    }
    const t = (await get(`/api/messages/${encodeURIComponent(m.host)}/${encodeURIComponent(m.queue_id)}`)).body as { message: unknown; lines: string[] };
    expect(t.message).toEqual(cli[0]);
    expect(t.lines.some((l) => l.includes(m.queue_id))).toBe(true);
    expect(t.lines.some((l) => l.includes(m.ndr.queue_id))).toBe(true);
    expect((await get('/api/messages/nohost/ABCDEF123')).status).toBe(404);
  });

  it('sources and time series add up to the summary', async () => {
    const s = (await get('/api/summary')).body as Summary;
    const rows = async (kind: string) => ((await get(`/api/sources?kind=${kind}`)).body as { rows: Record<string, number>[] }).rows;
    const sum = (xs: Record<string, number>[], k: string) => xs.reduce((a, r) => a + (r[k] ?? 0), 0);
    expect(sum(await rows('cause'), 'count')).toBe(Object.values(s.causes).reduce((a, b) => a + b, 0));
    expect(sum(await rows('sender_domain'), 'ndrs')).toBe(s.backscatter_ndrs);
    expect(sum(await rows('client'), 'backscatter')).toBe(s.backscatter);
    const scan = await rows('scanner');
    expect(scan.length).toBeGreaterThan(0);
    for (const bucket of ['hour', 'day']) {
      const pts = ((await get(`/api/timeseries?bucket=${bucket}`)).body as { points: Record<string, number>[] }).points;
      expect(sum(pts, 'delivered')).toBe(s.delivered);
      expect(sum(pts, 'rejected_at_smtp')).toBe(s.rejected_at_smtp);
      expect(sum(pts, 'bounced_after_accept')).toBe(s.bounced_after_accept);
      expect(sum(pts, 'backscatter')).toBe(s.backscatter);
    }
    // Every row's filter lists the messages behind it.
    const client = (await rows('client'))[0] as unknown as { filter: string; bounced: number };
    expect(((await get(`/api/messages?${client.filter}`)).body as { total: number }).total).toBe(client.bounced);
  });

  it('answers a bad parameter with 400 naming it', async () => {
    const cases: [string, string][] = [
      ['/api/summary?from=yesterday', 'from'],
      ['/api/summary?from=2026-11-02&to=2026-11-01', 'to'],
      ['/api/timeseries?bucket=minute', 'bucket'],
      ['/api/sources?kind=planets', 'kind'],
      ['/api/messages?limit=0', 'limit'],
      ['/api/messages?outcome=lost', 'outcome'],
      ['/api/messages?backscatter=yes', 'backscatter'],
    ];
    for (const [path, parameter] of cases) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect(r.body, path).toMatchObject({ parameter });
    }
    expect((await get('/api/nothing')).status).toBe(404);
  });

  it('serves Prometheus metrics and strict security headers', async () => {
    const s = (await get('/api/summary')).body as Summary;
    const m = await get('/metrics');
    expect(String(m.body)).toContain(`bouncewatch_backscatter_total ${s.backscatter_ndrs}`);
    expect(String(m.body)).toMatch(/bouncewatch_failed_recipients_total\{cause="unknown_recipient"\} \d+/);
    const csp = m.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(m.headers.get('strict-transport-security')).toBeNull();
  });

  it('needs the token for pages and API; the login form sets an HttpOnly SameSite=Strict cookie', async () => {
    const token = 'correct-horse-battery-staple';
    const s = await listen(createApp({ store, health: () => ({ status: 'ok' }), token }));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${url}/api/summary`)).status).toBe(401);
      expect((await fetch(`${url}/api/summary`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
      expect((await fetch(`${url}/api/summary`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      const page = await fetch(`${url}/`, { redirect: 'manual' });
      expect(page.status).toBe(302);
      expect(page.headers.get('location')).toBe('/login.html');
      const login = await fetch(`${url}/login`, { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' });
      const cookie = login.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Strict/i);
      expect((await fetch(`${url}/api/summary`, { headers: { cookie: cookie.split(';')[0]! } })).status).toBe(200);
      const bad = await fetch(`${url}/login`, { method: 'POST', body: new URLSearchParams({ token: 'nope' }), redirect: 'manual' });
      expect(bad.headers.get('set-cookie')).toBeNull();
    } finally {
      s.close();
    }
  });
});
