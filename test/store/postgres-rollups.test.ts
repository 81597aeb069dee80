// Several agents writing into one PostgreSQL at once while the rollups are refreshed over and
// over (real PostgreSQL 15): three real MTA logs whose times overlap (the e2e harness's Postfix
// log, its Exim syslog and its Exim mainlog, as three hosts) imported side by side in batches
// of a few lines, each batch marking the same hours. Afterwards every hourly rollup table must
// hold exactly what its SELECT over the raw rows gives: no update lost to a refresh that ran
// while a writer changed its hour.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.ts';
import { createPool } from '../../src/store/postgres/pg.ts';
import { HOUR, ROLLUPS, type Rollup } from '../../src/store/postgres/rollups.ts';
import { postgresMissing, startPostgres, type Postgres } from '../lib/postgres.ts';
import { importInto } from '../lib/store.ts';

const FIX = (f: string) => fileURLToPath(new URL(`../fixtures/${f}`, import.meta.url));
const LOGS = [
  { agent: 'a', file: FIX('postfix-e2e/mail.log') },
  { agent: 'b', file: FIX('exim-e2e/exim-syslog.log') },
  { agent: 'c', file: FIX('exim-e2e/mainlog'), mainlogHost: 'mx3' },
];

const missing = postgresMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs PostgreSQL: ${missing}`);

(missing ? describe.skip : describe)(`rollups with several writers at once on PostgreSQL${missing ? ` (${missing})` : ''}`, () => {
  let pg: Postgres;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(() => pg?.stop());

  it('equal the raw rows after three agents wrote the same hours while a refresher ran', async () => {
    const url = await pg.database('rollups');
    const stores = await Promise.all(LOGS.map((l) => openStore(url, { agent: l.agent })));
    const refresher = await openStore(url, { agent: 'reader' });
    let writing = true;
    // Rounds, not hours cleared: while the agents keep changing an hour, a round leaves it
    // marked (its generation moved on), which is the point.
    let rounds = 0;
    const refreshing = (async () => {
      for (; writing; rounds++) await refresher.refreshRollups();
    })();
    await Promise.all(LOGS.map((l, i) => importInto(stores[i]!, [l.file], {
      internalNetworks: '127.0.0.1/32', batchLines: 5, ...(l.mainlogHost ? { mainlogHost: l.mainlogHost } : {}),
    })));
    writing = false;
    await refreshing;
    // Whatever is still marked is brought up to date now (no writer is left).
    while ((await refresher.refreshRollups()) > 0);
    expect(rounds, 'the refresher ran while the agents wrote').toBeGreaterThan(3);

    const pool = createPool(url, 1);
    try {
      expect((await pool.query('SELECT count(*)::int AS n FROM rollup_dirty')).rows[0]!.n).toBe(0);
      const span = (await pool.query<{ lo: number; hi: number }>(
        'SELECT min(t) AS lo, max(t) AS hi FROM (SELECT received_at AS t FROM messages UNION ALL SELECT time FROM smtp_rejects) AS x')).rows[0]!;
      const lo = span.lo - (span.lo % HOUR);
      const hi = span.hi - (span.hi % HOUR) + HOUR;
      expect((await pool.query('SELECT count(DISTINCT host)::int AS n FROM messages')).rows[0]!.n).toBe(3);
      const sorted = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();
      for (const table of Object.keys(ROLLUPS) as Rollup[]) {
        const kept = (await pool.query(`SELECT * FROM ${table}`)).rows as Record<string, unknown>[];
        const raw = (await pool.query(ROLLUPS[table].replaceAll('@lo', '$1').replaceAll('@hi', '$2'), [lo, hi])).rows as Record<string, unknown>[];
        expect(raw.length, `${table} has rows`).toBeGreaterThan(0);
        expect(sorted(kept), table).toEqual(sorted(raw));
      }
    } finally {
      await pool.end();
      await Promise.all([...stores, refresher].map((s) => s.close()));
    }
  }, 120_000);
});
