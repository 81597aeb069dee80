// Log times must be sane before they steer anything. Impossible dates are lines not
// understood; a line dated past the wall clock is not believed; retention counts back from
// what many messages say, never past the clock; a stray `Jan  1` in a December log given
// --year stays a one-line excursion; one line far ahead of its neighbours does not evict
// the open messages. Real files, the real CLI, a real `serve` and real HTTP.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Ingest } from '../../src/ingest/ingest.ts';
import { importFile } from '../../src/ingest/import-files.ts';
import { PrefixParser } from '../../src/parse/prefix.ts';
import { cli, cliOk, messagesJson } from '../cli/run-cli.ts';
import { allMessages, openTestStore } from '../lib/store.ts';

const BIN = fileURLToPath(new URL('../../bin/bouncewatch.js', import.meta.url));
const GENERATE = fileURLToPath(new URL('../../bench/generate.ts', import.meta.url));
const CLASSIC = fileURLToPath(new URL('../fixtures/postfix-e2e/mail.log', import.meta.url));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Lines whose time no calendar has, each in one of the prefixes bouncewatch reads. */
const IMPOSSIBLE = [
  '9999-99-99T99:99:99Z mx1 postfix/smtpd[1]: connect from x.example[192.0.2.1]',
  '2026-02-30T10:00:00Z mx1 postfix/smtpd[1]: connect from x.example[192.0.2.1]',
  '0000-01-01T00:00:00Z mx1 postfix/smtpd[1]: connect from x.example[192.0.2.1]',
  '2026-11-27T24:00:00+00:00 mx1 postfix/smtpd[1]: connect from x.example[192.0.2.1]',
  '2026-11-27T10:00:00+25:00 mx1 postfix/smtpd[1]: connect from x.example[192.0.2.1]',
  'Dec 99 10:00:00 mx1 postfix/smtpd[1]: connect from x.example[192.0.2.1]',
  'Feb 30 10:00:00 mx1 postfix/smtpd[1]: connect from x.example[192.0.2.1]',
  'Nov 27 99:00:00 mx1 postfix/smtpd[1]: connect from x.example[192.0.2.1]',
  'Nov 27 10:61:00 mx1 postfix/smtpd[1]: connect from x.example[192.0.2.1]',
  'Nov  0 10:00:00 mx1 postfix/smtpd[1]: connect from x.example[192.0.2.1]',
  '2026-13-01 10:00:00 1wXyZa-000123-AB <= a@b.example H=x [192.0.2.1] P=esmtp S=1',
  '2026-11-31 10:00:00 1wXyZa-000123-AB <= a@b.example H=x [192.0.2.1] P=esmtp S=1',
];

describe('log times', () => {
  it('reads no impossible date: each is not understood rather than rolled over', () => {
    for (const line of IMPOSSIBLE) expect(new PrefixParser({ year: 2026 }).parse(line), line).toBeUndefined();
    // The same shapes with real dates are read, so the refusals above are about the dates.
    const p = new PrefixParser({ year: 2024 });
    expect(p.parse('Feb 29 10:00:00 mx1 postfix/smtpd[1]: x')?.time).toBe(new Date(2024, 1, 29, 10).getTime());
    expect(new PrefixParser({ year: 2026 }).parse('Feb 29 10:00:00 mx1 postfix/smtpd[1]: x')).toBeUndefined();
    expect(new PrefixParser().parse('2026-11-30T23:59:60Z mx1 postfix/smtpd[1]: x')?.time).toBe(Date.UTC(2026, 11, 1));
  });

  it('refuses impossible dates on the command line, as the API does', () => {
    const db = join(mkdtempSync(join(tmpdir(), 'bw-times-')), 'bw.db');
    for (const since of ['2026-02-30', '0000-01-01', '2026-11-27T24:00:00Z']) {
      const r = cli(['report', '--db', db, '--since', since]);
      expect(r.status, since).not.toBe(0);
      expect(r.stderr).toContain(`--since: "${since}" is neither an ISO 8601 time (a real date`);
    }
    expect(cli(['report', '--db', db, '--since', '2024-02-29T10:00:00Z']).status).toBe(0);
  });

  it('a line dated years ahead neither deletes the database nor breaks the chart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-times-'));
    // 120 days of generated mail ending yesterday: retention (90 days) has real work to do.
    const gen = join(dir, 'gen.log');
    const end = new Date(Date.now() - DAY).toISOString().slice(0, 13) + ':00:00Z';
    const g = spawnSync(process.execPath, ['--import', 'tsx', GENERATE, '--mta', 'postfix', '--lines', '20000', '--days', '120',
      '--end', end, '--format', 'rfc3339', '--out', gen, '--seed', '7'], { encoding: 'utf8' });
    expect(g.status, g.stderr).toBe(0);
    const hostile = join(dir, 'hostile.log');
    writeFileSync(hostile, [
      '2099-01-01T00:00:00+00:00 mx1 postfix/qmgr[1]: 4BC1D2E3F4: removed',
      '2099-01-01T00:00:01+00:00 mx1 postfix/smtpd[1]: connect from x.example[192.0.2.1]',
      ...IMPOSSIBLE,
    ].map((l) => `${l}\n`).join(''));

    const control = join(dir, 'control.db');
    const db = join(dir, 'bw.db');
    cliOk(['import', '--db', control, gen]);
    cliOk(['import', '--db', db, gen]);
    const before = JSON.parse(cliOk(['report', '--db', db, '--json'])) as { lines: { unknown: number }; to: string };
    const summary = cliOk(['import', '--year', '2026', '--db', db, hostile]);
    expect(summary).toContain(`${IMPOSSIBLE.length + 2} not understood (2 dated more than a day past this machine's clock)`);
    const after = JSON.parse(cliOk(['report', '--db', db, '--json'])) as { lines: { unknown: number }; to: string };
    expect(after.lines.unknown).toBe(before.lines.unknown + IMPOSSIBLE.length + 2);
    expect(after.to).toBe(before.to);

    // serve runs retention at start: on both databases it must delete the same (old) messages.
    const counts: number[] = [];
    for (const file of [control, db]) {
      const port = 22000 + Math.floor(Math.random() * 20000);
      const p = spawn(process.execPath, [BIN, 'serve', '--db', file, '--log', hostile, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      // Retention runs right after start-up and logs what it deleted.
      for (let i = 0; i < 300 && !out.includes('retention: deleted old data'); i++) await new Promise((r) => setTimeout(r, 50));
      if (file === db) {
        const ts = await fetch(`http://127.0.0.1:${port}/api/timeseries`);
        expect(ts.status).toBe(200);
        expect(((await ts.json()) as { points: unknown[] }).points.length).toBeGreaterThan(0);
      }
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
      expect(out).toContain('retention: deleted old data');
      counts.push(messagesJson(file).length);
    }
    expect(counts[1]).toBeGreaterThan(0);
    expect(counts[1]).toBe(counts[0]);
  }, 120_000);

  it('a stray Jan 1 line in a December log given --year leaves the rest in that year', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-times-'));
    const lines = readFileSync(CLASSIC, 'utf8').split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^Dec /);
    const at = Math.floor(lines.length / 3);
    const stray = 'Jan  1 00:00:05 mx1 postfix/smtpd[9]: connect from stray.example[192.0.2.9]';
    const log = join(dir, 'mail.log');
    writeFileSync(log, [...lines.slice(0, at), stray, ...lines.slice(at)].map((l) => `${l}\n`).join(''));
    const db = join(dir, 'bw.db');
    cliOk(['import', '--year', '2026', '--db', db, log]);
    const years = new Set(messagesJson(db).map((m) => String(m.received_at).slice(0, 4)));
    expect([...years]).toEqual(['2026']);
    const report = JSON.parse(cliOk(['report', '--db', db, '--json'])) as { to: string };
    expect(report.to.slice(0, 4)).toBe('2026');
  });

  it('one line far ahead of its neighbours evicts no open message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-times-'));
    const lines = readFileSync(CLASSIC, 'utf8').split('\n').filter(Boolean);
    // 20 hours after the fixture's first line: within the wall clock, far ahead of its neighbours.
    const first = new PrefixParser({ year: 2026 }).parse(lines[0]!)!.time;
    const ahead = new Date(first + 20 * HOUR);
    const month = ahead.toLocaleString('en-US', { month: 'short' });
    const stamp = `${month} ${String(ahead.getDate()).padStart(2, ' ')} ${ahead.toTimeString().slice(0, 8)}`;
    const outlier = `${stamp} mx1 postfix/qmgr[9]: 9F9F9F9F9F9: removed`;
    const run = async (withOutlier: boolean) => {
      const at = Math.floor(lines.length / 2);
      const body = withOutlier ? [...lines.slice(0, at), outlier, ...lines.slice(at)] : lines;
      const log = join(dir, `${withOutlier}.log`);
      writeFileSync(log, body.map((l) => `${l}\n`).join(''));
      const store = openTestStore(join(dir, `${withOutlier}.db`));
      // Small batches, so the correlator has looked at its clock right after the outlier.
      await importFile(store, await Ingest.open(store, { internalNetworks: '127.0.0.1/32' }), log, { year: 2026, batchLines: 7 });
      const out = (await allMessages(store)).filter((m) => m.queue_id !== '9F9F9F9F9F9');
      await store.close();
      return out;
    };
    const clean = await run(false);
    expect(clean.length).toBeGreaterThan(20);
    expect(await run(true)).toEqual(clean);
  });
});
