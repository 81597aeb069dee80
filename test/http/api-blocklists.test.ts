// GET /api/blocklists over real HTTP: the blocklist watch's rows (status, since when, what the
// list said, the week of backscatter before a listing with its messages link) and the
// period's refusals of our mail naming a list, by destination domain. The log is a listed
// server's (test/advise/listed-log.ts); the expected rows are written out from it by hand.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOk } from '../cli/run-cli.ts';
import { LOG } from '../advise/listed-log.ts';
import { openTestStore } from '../lib/store.ts';
import { start, type Running } from './http.ts';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

let running: Running;
let store: SqliteStore;
// The listing began an hour after the log's backscatter (2026-11-27 18:01 local time).
const SINCE = new Date(2026, 10, 27, 19, 0, 0).getTime();

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-api-bl-'));
  const file = join(dir, 'mail.log');
  writeFileSync(file, `${LOG.join('\n')}\n`);
  const db = join(dir, 'bw.db');
  cliOk(['import', '--db', db, '--year', '2026', '--local-domains', 'pfx.test', file]);
  store = openTestStore(db);
  const base = { codes: [] as string[], reasons: [] as string[], meaning: null, error: null, agent: 'mx1' };
  await store.recordBlocklist([
    { ...base, address: '198.51.100.7', zone: 'ips.backscatterer.org', status: 'not_listed', checked_at: SINCE - 3_600_000 },
    { ...base, address: '198.51.100.7', zone: 'zen.spamhaus.org', status: 'not_listed', checked_at: SINCE - 3_600_000 },
  ]);
  await store.recordBlocklist([
    { ...base, address: '198.51.100.7', zone: 'ips.backscatterer.org', status: 'listed', codes: ['127.0.0.2'], reasons: ['<b>backscatter</b> from 198.51.100.7'],
      meaning: 'sends bounces to forged senders', checked_at: SINCE },
    { ...base, address: '198.51.100.7', zone: 'zen.spamhaus.org', status: 'unknown', error: 'the list refused the query (127.255.255.254): public resolver', checked_at: SINCE },
  ]);
  running = await start({ store, health: () => ({ status: 'ok' }) });
});

afterAll(async () => {
  await running?.close();
  store?.close();
});

describe('GET /api/blocklists', () => {
  it('lists each address at each list, a listing with the backscatter of the week before it, and refusals by list and domain', async () => {
    const res = await fetch(`${running.base}/api/blocklists`);
    expect(res.status).toBe(200);
    const body = await res.json() as Record<string, unknown>;
    const weekBefore = new Date(SINCE - 7 * 86_400_000).toISOString();
    expect(body).toEqual({
      listed: 1,
      checks: [
        {
          address: '198.51.100.7', zone: 'ips.backscatterer.org', status: 'listed', since: new Date(SINCE).toISOString(), checked_at: new Date(SINCE).toISOString(),
          codes: ['127.0.0.2'], reasons: ['<b>backscatter</b> from 198.51.100.7'], meaning: 'sends bounces to forged senders', last_error: null, checked_by: 'mx1',
          // The log's one backscatter NDR (to ghost@victims.test) and its two accepted messages.
          before_listing: { from: weekBefore, to: new Date(SINCE).toISOString(), backscatter_ndrs: 1, accepted: 2,
            link: `messages.html?${new URLSearchParams({ backscatter: '1', from: weekBefore, to: new Date(SINCE).toISOString() })}` },
        },
        {
          address: '198.51.100.7', zone: 'zen.spamhaus.org', status: 'not_listed', since: new Date(SINCE - 3_600_000).toISOString(),
          checked_at: new Date(SINCE).toISOString(), codes: [], reasons: [], meaning: null,
          last_error: 'the list refused the query (127.255.255.254): public resolver', checked_by: 'mx1', before_listing: null,
        },
      ],
      refusals: [
        { list: 'ips.backscatterer.org', domain: 'victims.test', count: 1 },
        { list: 'zen.spamhaus.org', domain: 'example.net', count: 1 },
      ],
    });
  });
});
