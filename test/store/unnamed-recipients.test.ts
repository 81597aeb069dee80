// Issue 13 item 3: a message an Exim system filter cancels, logged with Exim's default
// log_selector, names none of its recipients. Its one failed recipient of unknown address
// (address null) must carry content_rejected to every reader: the API's messages, sources and
// recommendations, advise, the digest; and migration 0010 must keep every older row.
// Input: the real Exim run of test/fixtures/exim-e2e-default-selector (truth.json says which
// messages the filter cancelled).
import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { collectDigest, digestPeriods } from '../../src/digest/collect.ts';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { loadMigrations, migrate } from '../../src/store/sqlite/migrate.ts';
import { cliOk } from '../cli/run-cli.ts';
import type { Truth } from '../e2e/lib/truth.ts';
import { openTestStore } from '../lib/store.ts';

const DIR = fileURLToPath(new URL('../fixtures/exim-e2e-default-selector/', import.meta.url));
const truth = JSON.parse(readFileSync(join(DIR, 'truth.json'), 'utf8')) as Truth;
const cancelled = truth.messages.filter((m) => m.recipients.some((r) => r.logged === false));
const year = new Date(truth.generated_at).getUTCFullYear();

let dbPath: string;
let store: SqliteStore;
let server: Server;
let base: string;

const get = async <T>(path: string): Promise<T> => {
  const r = await fetch(base + path);
  expect(r.status, path).toBe(200);
  return (await r.json()) as T;
};

interface Rcpt { address: string | null; status: string; cause: string | null; reason: string | null }
interface Msg { message_id: string | null; recipients: Rcpt[] }

beforeAll(async () => {
  dbPath = join(mkdtempSync(join(tmpdir(), 'bw-unnamed-')), 'bw.db');
  cliOk(['import', '--db', dbPath, '--year', String(year), join(DIR, 'exim-syslog.log')]);
  store = openTestStore(dbPath);
  server = await new Promise<Server>((resolve) => {
    const s = createApp({ store, health: () => ({ status: 'ok' }) }).listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  await store?.close();
});

describe('a cancelled message whose recipients the log never names', () => {
  it('the fixture has such messages (the truth says the log names none of their recipients)', () => {
    expect(cancelled.length).toBeGreaterThanOrEqual(2);
    expect(readFileSync(join(DIR, 'exim.conf'), 'utf8')).not.toMatch(/^log_selector/m);
  });

  it('messages --json and /api/messages show one failed recipient with address null', async () => {
    const cli = cliOk(['messages', '--db', dbPath, '--json']).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Msg);
    const api = (await get<{ items: Msg[] }>('/api/messages?limit=500')).items;
    for (const list of [cli, api]) {
      for (const t of cancelled) {
        const m = list.find((x) => x.message_id === `<${t.message_id}>` || x.message_id === t.message_id);
        expect(m, t.message_id).toBeDefined();
        expect(m!.recipients).toEqual([{ address: null, orig_address: null, status: 'bounced', dsn: null, cause: 'content_rejected', reason: expect.stringMatching(/infected/) }]);
      }
    }
    // The human listing says so instead of printing "<null>".
    const text = cliOk(['messages', '--db', dbPath]);
    expect(text).toContain('(address not logged) content_rejected');
    expect(text).not.toContain('<null>');
  });

  it('counts the cause in the summary and the sources, without inventing a domain', async () => {
    const summary = await get<{ causes: Record<string, number> }>('/api/summary');
    expect(summary.causes.content_rejected).toBe(cancelled.length);
    const byCause = await get<{ rows: { cause: string; count: number }[] }>('/api/sources?kind=cause');
    expect(byCause.rows.find((r) => r.cause === 'content_rejected')?.count).toBe(cancelled.length);
    const rcpts = await get<{ rows: { address: string | null; cause: string; count: number; filter: string }[] }>('/api/sources?kind=recipient');
    const unnamed = rcpts.rows.filter((r) => r.address === null);
    expect(unnamed).toEqual([{ address: null, cause: 'content_rejected', count: cancelled.length, filter: 'cause=content_rejected' }]);
    const domains = await get<{ rows: { domain: string | null }[] }>('/api/sources?kind=local_domain');
    expect(domains.rows.length).toBeGreaterThan(0);
    expect(domains.rows.every((r) => typeof r.domain === 'string' && r.domain !== '')).toBe(true);
    // The sources row's filter finds exactly those messages.
    const found = await get<{ total: number }>('/api/messages?cause=content_rejected&limit=500');
    expect(found.total).toBe(cancelled.length);
  });

  it('advise and /api/recommendations recommend scanning at DATA time, with the unnamed examples', async () => {
    interface Rec { cause: string; mta: string; evidence: { messages: number; examples: { recipient: string | null; reason: string }[] } }
    const recs = (await get<{ items: Rec[] }>('/api/recommendations')).items;
    const scan = recs.find((r) => r.cause === 'content_rejected' && r.mta === 'exim');
    expect(scan, JSON.stringify(recs.map((r) => r.cause))).toBeDefined();
    expect(scan!.evidence.messages).toBe(cancelled.length);
    expect(scan!.evidence.examples.map((e) => e.recipient)).toEqual(cancelled.map(() => null));
    const text = cliOk(['advise', '--db', dbPath]);
    expect(text).toMatch(/Scan in the DATA ACL/);
    expect(text).toContain('(address not logged): 5.7.1');
  });

  it('the digest counts the cause and lists the unnamed recipient as such', async () => {
    const d = await collectDigest(store, digestPeriods('1d', new Date(Date.parse(truth.generated_at) + 3_600_000).toISOString()));
    expect(d.causes.find((c) => c.cause === 'content_rejected')?.current).toBe(cancelled.length);
    const rcpt = d.sources.find((s) => s.key === 'recipient')!;
    expect(rcpt.rows.find((r) => r.cells[0] === '(address not logged)')?.count).toBe(cancelled.length);
  });
});

describe('migration 0010', () => {
  it('keeps every recipient of a database from before it, and then takes a null address', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'bw-mig-')), 'old.db');
    const old = new Database(path);
    const all = loadMigrations();
    migrate(old, all.filter((m) => m.version < 10));
    old.prepare(`INSERT INTO messages (id, mta, host, queue_id, queue_ids, origin, received_at, last_at, authenticated, remote, outcome, backscatter)
      VALUES (1, 'exim', 'mx', 'Q1', '["Q1"]', 'smtp', 0, 0, 0, 1, 'bounced_after_accept', 0)`).run();
    const ins = old.prepare('INSERT INTO recipients (message, seq, address, status, cause, reason, relay) VALUES (1, ?, ?, ?, ?, ?, ?)');
    ins.run(0, 'A@x.test', 'bounced', 'unknown_recipient', 'no such user', 'mx[1.2.3.4]:25');
    ins.run(1, 'b@x.test', 'sent', null, null, null);
    expect(() => ins.run(2, null, 'bounced', 'content_rejected', 'virus', null)).toThrow(/NOT NULL/);
    const before = old.prepare('SELECT * FROM recipients ORDER BY seq').all();
    expect(migrate(old, all)).toBe(all.length - all.filter((m) => m.version < 10).length);
    expect(old.prepare('SELECT * FROM recipients ORDER BY seq').all()).toEqual(before);
    ins.run(2, null, 'bounced', 'content_rejected', 'virus', null);
    const plans = (sql: string) => JSON.stringify(old.prepare(`EXPLAIN QUERY PLAN ${sql}`).all());
    expect(plans("SELECT message FROM recipients WHERE cause = 'x'")).toContain('recipients_failed');
    expect(plans("SELECT message FROM recipients WHERE lower(address) = 'a@x.test'")).toContain('recipients_address');
    expect(old.pragma('foreign_key_check')).toEqual([]);
    old.close();
  });
});
