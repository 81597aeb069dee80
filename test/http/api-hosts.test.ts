// The JSON API of a fleet over real HTTP (issue 16): the e2e logs of a real Postfix (host mx1)
// and a real Exim (host mx2) imported into one database. Narrowed with host=, every route must
// answer what a database holding that host's log alone answers; the summary splits by host.
// An unknown host is an empty answer, not an error.
import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { cliOk } from '../cli/run-cli.ts';
import { openTestStore } from '../lib/store.ts';

const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));
const year = (f: string) => new Date((JSON.parse(readFileSync(join(FIX, f), 'utf8')) as { generated_at: string }).generated_at).getUTCFullYear();
const LOGS = {
  mx1: ['postfix-e2e/mail.log', year('postfix-e2e/truth.json')],
  mx2: ['exim-e2e/exim-syslog.log', year('exim-e2e/truth.json')],
} as const;

interface Served {
  server: Server;
  store: SqliteStore;
  base: string;
}

/** A database with these hosts' logs, served on a free port. */
async function serve(hosts: (keyof typeof LOGS)[]): Promise<Served> {
  const db = join(mkdtempSync(join(tmpdir(), 'bw-api-hosts-')), 'api.db');
  for (const h of hosts) cliOk(['import', '--db', db, '--year', String(LOGS[h][1]), join(FIX, LOGS[h][0])]);
  const store = openTestStore(db);
  const server = await new Promise<Server>((resolve) => {
    const s = createApp({ store, health: () => ({ status: 'ok' }) }).listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, store, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function get(s: Served, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(s.base + path);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

let fleet: Served;
const alone: Partial<Record<keyof typeof LOGS, Served>> = {};

beforeAll(async () => {
  fleet = await serve(['mx1', 'mx2']);
  alone.mx1 = await serve(['mx1']);
  alone.mx2 = await serve(['mx2']);
}, 60_000);

afterAll(async () => {
  for (const s of [fleet, alone.mx1, alone.mx2]) {
    s?.server.close();
    await s?.store.close();
  }
});

const withQuery = (path: string, q: string) => `${path}${path.includes('?') ? '&' : '?'}${q}`;

/** The summary without its lines (line counters have no host: a host's summary has every host's lines). */
const counted = (b: Record<string, unknown>) => {
  const { lines: _l, hosts: _h, ...rest } = b;
  return rest;
};

describe('the JSON API of two hosts in one database', () => {
  it('/api/summary splits by host: one row per host, adding up to the whole', async () => {
    const s = (await get(fleet, '/api/summary')).body;
    const hosts = s.hosts as Record<string, unknown>[];
    expect(hosts.map((h) => [h.host, h.mtas])).toEqual([['mx1', ['postfix']], ['mx2', ['exim']]]);
    for (const k of ['accepted', 'rejected_at_smtp', 'bounced_after_accept', 'ndrs', 'backscatter', 'backscatter_ndrs']) {
      expect(hosts.reduce((a, h) => a + Number(h[k]), 0), k).toBe(s[k]);
    }
    // Each row is what that host's log alone gives.
    for (const h of ['mx1', 'mx2'] as const) {
      const own = (await get(alone[h]!, '/api/summary')).body;
      expect(hosts.find((x) => x.host === h)).toMatchObject({
        accepted: own.accepted, rejected_at_smtp: own.rejected_at_smtp, bounced_after_accept: own.bounced_after_accept, ndrs: own.ndrs,
        backscatter: own.backscatter, backscatter_ndrs: own.backscatter_ndrs,
      });
    }
    expect(Number(s.backscatter)).toBeGreaterThan(30);
  });

  for (const h of ['mx1', 'mx2'] as const) {
    it(`host=${h}: every route answers as a database of ${h}'s log alone`, async () => {
      const own = alone[h]!;
      // The host's default period is its rows' (line counters, which have no host, do not
      // stretch it): the same from/to on both, that of the database of its log alone.
      const ownSummary = (await get(own, '/api/summary')).body;
      const period = `from=${String(ownSummary.from)}&to=${String(ownSummary.to)}`;
      const summary = (await get(fleet, `/api/summary?host=${h}&${period}`)).body;
      expect(counted(summary)).toEqual(counted(ownSummary));
      expect((summary.hosts as { host: string }[]).map((x) => x.host)).toEqual([h]);
      const byDefault = (await get(fleet, `/api/summary?host=${h}`)).body;
      expect(Date.parse(String(byDefault.from))).toBeGreaterThanOrEqual(Date.parse(String(ownSummary.from)));
      expect(Date.parse(String(byDefault.to))).toBeLessThanOrEqual(Date.parse(String(ownSummary.to)));
      for (const path of ['/api/messages?limit=500', '/api/messages?backscatter=1&limit=500', '/api/timeseries?bucket=hour',
        '/api/recommendations', ...['cause', 'client', 'local_domain', 'recipient', 'sender_domain', 'scanner', 'host'].map((k) => `/api/sources?kind=${k}`)]) {
        expect((await get(fleet, withQuery(path, `host=${h}&${period}`))).body, path).toEqual((await get(own, withQuery(path, period))).body);
      }
    });
  }

  it('recommendations name their host, and the messages behind them are on it', async () => {
    const items = (await get(fleet, '/api/recommendations')).body.items as { host: string; filter: string }[];
    expect(new Set(items.map((r) => r.host))).toEqual(new Set(['mx1', 'mx2']));
    for (const r of items.filter((x) => x.filter.includes('cause='))) {
      const listed = (await get(fleet, `/api/messages?limit=500&${r.filter}`)).body as { total: number; items: { host: string }[] };
      expect(listed.total, r.filter).toBeGreaterThan(0);
      expect(new Set(listed.items.map((m) => m.host)), r.filter).toEqual(new Set([r.host]));
    }
  });

  it('an unknown host is empty, not an error; an over-long one is a 400 naming host', async () => {
    const s = await get(fleet, '/api/summary?host=nowhere.example');
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({ accepted: 0, rejected_at_smtp: 0, backscatter: 0, hosts: [] });
    expect((await get(fleet, '/api/messages?host=nowhere.example')).body).toMatchObject({ total: 0, items: [] });
    expect((await get(fleet, '/api/recommendations?host=nowhere.example')).body).toEqual({ items: [] });
    expect((await get(fleet, '/api/timeseries?host=nowhere.example')).body).toMatchObject({ points: [] });
    const long = await get(fleet, `/api/summary?host=${'a'.repeat(300)}`);
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ parameter: 'host' });
  });
});
