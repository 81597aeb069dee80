// Every Postfix line in ../shared/corpora goes through the parser and the whole import
// pipeline without throwing; the share of Postfix lines not understood stays under 0.5%.
// Prints the share per source. docs/coverage.md says what remains and why.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ingest } from '../../src/ingest/ingest.ts';
import { importFile } from '../../src/ingest/import-files.ts';
import { LineParser } from '../../src/parse/line.ts';
import { isPostfixProgram, parsePostfixBody } from '../../src/parse/postfix/index.ts';
import { openTestStore } from '../lib/store.ts';
import { CORPORA, corporaPresent, logFiles, readLogLines, sourceOf } from './walk.ts';

const present = corporaPresent();
if (!present) console.warn(`[corpora] SKIPPING corpus tests: ${CORPORA} is absent (a clone outside the workplace)`);

/** Sources that hold only message bodies, without a syslog prefix or a program name. */
const BODY_ONLY = ['whyscream-postfix-grok-patterns', 'logwatch-postfix', 'sekoia-intake-formats'];
const DAEMONS = ['smtpd', 'cleanup', 'qmgr', 'smtp', 'local', 'pickup', 'bounce', 'postscreen', 'anvil', 'master'];

// CI has ../shared/corpora beside the checkout: a missing one there is a failure, not a skip.
describe.runIf(!present && process.env.CI === 'true')('Postfix lines of the shared corpora under CI', () => {
  it('has the corpora', () => {
    expect(present, CORPORA).toBe(true);
  });
});

describe.skipIf(!present)('Postfix lines of the shared corpora', () => {
  it('parses every prefixed Postfix line, under 0.5% not understood', () => {
    const per = new Map<string, { lines: number; unknown: number }>();
    for (const file of logFiles()) {
      const source = sourceOf(file);
      if (BODY_ONLY.includes(source) && !file.endsWith('postfix-TD-autogen.log')) continue;
      const parser = new LineParser({ year: 2020, refTime: () => Date.UTC(2021, 0, 1) });
      const c = per.get(source) ?? { lines: 0, unknown: 0 };
      per.set(source, c);
      for (const line of readLogLines(file)) {
        const p = parser.parse(line);
        if (!p.head || !isPostfixProgram(p.head.program)) continue;
        c.lines++;
        if (p.cls === 'unknown') c.unknown++;
      }
    }
    let lines = 0;
    let unknown = 0;
    const table = [...per].filter(([, c]) => c.lines > 0).map(([s, c]) => {
      lines += c.lines;
      unknown += c.unknown;
      return `${s.padEnd(38)} ${String(c.lines).padStart(7)} ${String(c.unknown).padStart(5)} ${((100 * c.unknown) / c.lines).toFixed(2).padStart(6)}%`;
    });
    console.log(`[corpora] Postfix lines not understood, per source:\n${table.join('\n')}\n` +
      `${'TOTAL'.padEnd(38)} ${String(lines).padStart(7)} ${String(unknown).padStart(5)} ${((100 * unknown) / lines).toFixed(3)}%`);
    expect(lines).toBeGreaterThan(100_000);
    expect(unknown / lines).toBeLessThan(0.005);
  });

  it('feeds body-only sources to the message parser without throwing', () => {
    // whyscream names the daemon of each sample in its grok pattern; the others do not, so
    // each of their lines is tried with every daemon's rules.
    const jsonl = join(CORPORA, 'whyscream-postfix-grok-patterns/expected.jsonl');
    let understood = 0;
    let total = 0;
    for (const row of readFileSync(jsonl, 'utf8').split('\n').filter(Boolean)) {
      const { pattern, data } = JSON.parse(row) as { pattern: string; data: string };
      const daemon = /POSTFIX_([A-Z_]+)/.exec(pattern)?.[1]?.toLowerCase().replace('trivial_rewrite', 'trivial-rewrite') ?? 'smtpd';
      total++;
      if (parsePostfixBody(daemon, data) !== undefined) understood++;
    }
    for (const f of ['logwatch-postfix/postfix-TD-lines.log', 'sekoia-intake-formats/postfix-messages.log']) {
      for (const line of readLogLines(join(CORPORA, f))) {
        total++;
        if (DAEMONS.some((d) => parsePostfixBody(d, line) !== undefined)) understood++;
      }
    }
    console.log(`[corpora] body-only samples understood: ${understood} of ${total}`);
    expect(total).toBeGreaterThan(300);
    // A floor, not a target: 642 of 659 (97%) when this was written; a parser change that
    // loses body-only lines fails here.
    expect(understood / total).toBeGreaterThan(0.95);
  });

  it('imports every corpus file through correlation and storage without throwing', async () => {
    let total = 0;
    let messages = 0;
    for (const file of logFiles()) {
      const store = openTestStore(':memory:');
      const db = store.db;
      const ingest = await Ingest.open(store, { internalNetworks: '127.0.0.1/32,::1/128' });
      const r = await importFile(store, ingest, file, { year: 2020 });
      total += r.lines;
      const n = (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
      messages += n;
      // Every line read is counted once, as mail, not understood or another program's.
      const c = db.prepare('SELECT sum(total) AS total, sum(mail) + sum(unknown) + sum(other) AS parts FROM line_counts').get() as { total: number | null; parts: number | null };
      expect(c.total ?? 0, file).toBe(c.parts ?? 0);
      db.close();
    }
    expect(total).toBeGreaterThan(150_000);
    // 5,833 messages from 1,151 files when this was written: correlation that stops producing
    // messages fails here, not silently.
    expect(messages).toBeGreaterThan(5_000);
  }, 300_000);
});
