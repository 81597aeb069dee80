// Batch and import boundaries must not change the result. Real logs (the real-MTA harness's
// Postfix and Exim logs, and corpora logs) are cut at seeded random lines; the parts are
// imported in order as the file grows, each part by a fresh Ingest (as a new `import` process
// would), with random small batch sizes, and every other time with room for only three open
// messages in memory (the rest spilled to the database and read back). `messages --json` and
// `report --json` must equal those of one import of the whole file with the default memory.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { between, rng } from '../../bench/rng.ts';
import { Ingest } from '../../src/ingest/ingest.ts';
import { importFile } from '../../src/ingest/import-files.ts';
import { summarize } from '../../src/report/summary.ts';
import { allMessages, openTestStore } from '../lib/store.ts';

const fixture = (p: string) => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));
const corpus = (p: string) => fileURLToPath(new URL(`../../../shared/corpora/${p}`, import.meta.url));

/** Each log with the year of its first line (classic lines carry none). */
const LOGS: { name: string; path: string; year: number; cuts: number }[] = [
  { name: 'postfix e2e (classic)', path: fixture('postfix-e2e/mail.log'), year: 2026, cuts: 40 },
  { name: 'postfix e2e (RFC 3339)', path: fixture('postfix-e2e/mail-rfc3339.log'), year: 2026, cuts: 40 },
  { name: 'exim e2e (mainlog)', path: fixture('exim-e2e/mainlog'), year: 2026, cuts: 40 },
  { name: 'exim e2e (syslog)', path: fixture('exim-e2e/exim-syslog.log'), year: 2026, cuts: 40 },
  { name: 'corpora: lightmeter', path: corpus('lightmeter-controlcenter/complete_logs_sample/mail.log.1'), year: 2020, cuts: 6 },
  { name: 'corpora: kdent mail2', path: corpus('kdent-postfix_log_analysis/mail2.log'), year: 2015, cuts: 6 },
  { name: 'corpora: pixelpark', path: corpus('pixelpark-postfix-logsums/mail.log'), year: 2023, cuts: 4 },
  { name: 'corpora: infohtreasure', path: corpus('infohtreasure-postfix-maillog-dump/maillog'), year: 2020, cuts: 6 },
  { name: 'corpora: kdent mail', path: corpus('kdent-postfix_log_analysis/mail.log'), year: 2015, cuts: 6 },
  { name: 'corpora: perericr mainlog', path: corpus('perericr-ddgrey/mainlog'), year: 2020, cuts: 6 },
];

const seed = Number(process.env.BW_BOUNDARY_SEED ?? 20261203);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * The default windows, and short ones: with a grace of seconds, messages are evicted all
 * through these logs, so cuts land between a message's close and its late lines.
 */
const WINDOWS = [
  { name: 'default windows', tracker: {} },
  { name: 'short windows', tracker: { graceMs: 2_000, abandonMs: 30_000, staleMs: 300_000 } },
];
type Opts = { internalNetworks: string; tracker: (typeof WINDOWS)[number]['tracker']; maxOpen?: number };
/** Room for three open messages: nearly every message is spilled and read back. */
const TINY = 3;

/** What `messages --json` and `report --json` print, from the same functions. */
async function result(dbPath: string): Promise<{ messages: string; report: string }> {
  const store = openTestStore(dbPath);
  await store.refreshRollups();
  const messages = (await allMessages(store)).map((m) => JSON.stringify(m)).join('\n');
  const report = JSON.stringify(await summarize(store, undefined, undefined));
  await store.close();
  return { messages, report };
}

async function importParts(dir: string, lines: string[], cuts: number[], year: number, rand: () => number, opts: Opts): Promise<string> {
  const log = join(dir, 'mail.log');
  const dbPath = join(dir, 'parts.db');
  writeFileSync(log, '');
  let from = 0;
  for (const to of [...cuts, lines.length]) {
    appendFileSync(log, lines.slice(from, to).map((l) => `${l}\n`).join(''));
    from = to;
    const store = openTestStore(dbPath);
    await importFile(store, await Ingest.open(store, opts), log, { year, batchLines: between(rand, 1, 40) });
    await store.close();
  }
  return dbPath;
}

describe('import boundaries do not change the result', () => {
  for (const log of LOGS) for (const w of WINDOWS) {
    const present = existsSync(log.path);
    const opts: Opts = { internalNetworks: '127.0.0.1/32,::1/128', tracker: w.tracker };
    it.runIf(present || process.env.CI === 'true')(`${log.name}, ${w.name}: ${log.cuts} seeded cuts (seed ${seed})`, async () => {
      const lines = readFileSync(log.path, 'utf8').split('\n').filter((l) => l !== '');
      const dir = mkdtempSync(join(tmpdir(), 'bw-bounds-'));
      dirs.push(dir);
      const whole = join(dir, 'whole.log');
      writeFileSync(whole, lines.map((l) => `${l}\n`).join(''));
      const wholeDb = join(dir, 'whole.db');
      const store = openTestStore(wholeDb);
      await importFile(store, await Ingest.open(store, opts), whole, { year: log.year });
      await store.close();
      const expected = await result(wholeDb);
      expect(expected.messages.length).toBeGreaterThan(0);

      const tinyDb = join(dir, 'tiny.db');
      const tiny = openTestStore(tinyDb);
      await importFile(tiny, await Ingest.open(tiny, { ...opts, maxOpen: TINY }), whole, { year: log.year });
      await tiny.close();
      expect(await result(tinyDb), 'the whole file with three open messages in memory').toEqual(expected);

      const rand = rng(seed);
      for (let i = 0; i < log.cuts; i++) {
        const n = between(rand, 1, 3);
        const cuts = [...new Set(Array.from({ length: n }, () => between(rand, 1, lines.length - 1)))].sort((a, b) => a - b);
        const sub = mkdtempSync(join(dir, 'cut-'));
        const memory = i % 2 === 1 ? { maxOpen: TINY } : {};
        const got = await result(await importParts(sub, lines, cuts, log.year, rand, { ...opts, ...memory }));
        const how = `cuts at lines ${cuts.join(', ')}${i % 2 === 1 ? `, ${TINY} open in memory` : ''}`;
        expect(got.report, `report after ${how}`).toBe(expected.report);
        expect(got.messages, `messages after ${how}`).toBe(expected.messages);
        rmSync(sub, { recursive: true, force: true });
      }
    });
  }
});
