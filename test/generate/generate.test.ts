// The synthetic log generator (bench/generate): small logs of each shape are imported with the
// real `bouncewatch` command into a real SQLite file, and every message's outcome, causes, NDR
// link and backscatter flag, and the report's totals, must equal the generator's truth.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compare, importLog, readTruth } from './compare.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'bw-generate-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function generate(name: string, args: string[]): string {
  const out = path.join(dir, name);
  execFileSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'bench/generate.ts'), '--out', out, ...args], { cwd: REPO, stdio: 'pipe' });
  return out;
}

const lineCount = (file: string): number => readFileSync(file, 'utf8').split('\n').length - 1;

const cases = [
  { name: 'postfix classic', file: 'postfix-classic.log', args: ['--mta', 'postfix', '--lines', '4000', '--seed', '11', '--format', 'classic'] },
  { name: 'postfix rfc3339, 2 hosts', file: 'postfix-rfc3339.log', args: ['--mta', 'postfix', '--lines', '4000', '--seed', '12', '--format', 'rfc3339', '--hosts', '2', '--days', '7'] },
  { name: 'exim mainlog', file: 'exim-mainlog.log', args: ['--mta', 'exim', '--lines', '4000', '--seed', '13', '--format', 'mainlog', '--days', '10'] },
  { name: 'exim via syslog, 2 hosts', file: 'exim-syslog.log', args: ['--mta', 'exim', '--lines', '3000', '--seed', '14', '--format', 'classic', '--hosts', '2'] },
];

describe('generated logs read by bouncewatch', () => {
  for (const c of cases) {
    it(`${c.name}: every message and total matches the truth`, () => {
      const log = generate(c.file, c.args);
      const { totals, messages } = readTruth(log);
      // The mix must exercise what the checks are about.
      expect(totals.messages.bounced_after_accept).toBeGreaterThan(10);
      expect(totals.report.backscatter).toBeGreaterThan(5);
      expect(totals.report.rejected_at_smtp).toBeGreaterThan(10);
      const got = importLog(log, path.join(dir, `${c.file}.db`), totals);
      expect(compare(totals, messages, got)).toEqual([]);
    }, 240_000);
  }
});

describe('generator contract', () => {
  it('writes about N lines, stopping at the first message boundary after N', () => {
    for (const n of [500, 3000]) {
      const log = generate(`size-${n}.log`, ['--mta', 'postfix', '--lines', String(n), '--seed', '21']);
      const lines = lineCount(log);
      expect(lines).toBeGreaterThanOrEqual(n);
      // A unit is one session or lifecycle; the longest (an expiry) has a few hundred lines.
      expect(lines).toBeLessThan(n + 400);
      expect(readTruth(log).totals.lines.total).toBe(lines);
    }
  });

  it('is deterministic: the same seed gives the same bytes, another seed other bytes', () => {
    const args = ['--mta', 'exim', '--lines', '2000', '--format', 'classic', '--hosts', '2'];
    const a = generate('det-a.log', [...args, '--seed', '5']);
    const b = generate('det-b.log', [...args, '--seed', '5']);
    const c = generate('det-c.log', [...args, '--seed', '6']);
    for (const ext of ['', '.truth.json', '.truth.jsonl']) {
      expect(readFileSync(a + ext).equals(readFileSync(b + ext))).toBe(true);
    }
    expect(readFileSync(a).equals(readFileSync(c))).toBe(false);
  });

  it('spreads the lines over the period, ending at --end', () => {
    const log = generate('span.log', ['--mta', 'postfix', '--lines', '3000', '--seed', '3', '--format', 'rfc3339', '--days', '4', '--end', '2026-06-01T00:00:00Z']);
    const times = readFileSync(log, 'utf8').trimEnd().split('\n').map((l) => Date.parse(l.slice(0, 32)));
    const first = times[0]!;
    const last = times[times.length - 1]!;
    expect(first).toBeGreaterThanOrEqual(Date.parse('2026-05-28T00:00:00Z'));
    expect(first).toBeLessThan(Date.parse('2026-05-28T06:00:00Z'));
    expect(last).toBeLessThanOrEqual(Date.parse('2026-06-01T00:00:00Z'));
    expect(last).toBeGreaterThan(Date.parse('2026-05-31T18:00:00Z'));
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
    expect(statSync(log).size).toBeGreaterThan(0);
  });

  it('refuses bad options with a message naming the flag', () => {
    let err = '';
    try {
      generate('bad.log', ['--mta', 'exim', '--lines', '10', '--format', 'mainlog', '--hosts', '2']);
    } catch (e) {
      err = String((e as { stderr?: Buffer }).stderr ?? '');
    }
    expect(err).toContain('--hosts');
  });
});
