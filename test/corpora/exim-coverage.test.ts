// Every Exim line in ../shared/corpora goes through the parser without throwing; the share not
// understood is printed per source (docs/coverage.md says what remains). Bounce chains
// (`NEWID <= <> R=ORIG` where ORIG failed with `**` in the same file) are linked: the original
// lists the NDR, and the NDR is not listed as a message of its own.
import { describe, expect, it } from 'vitest';
import { Ingest } from '../../src/ingest/ingest.ts';
import { importFile } from '../../src/ingest/import-files.ts';
import { LineParser } from '../../src/parse/line.ts';
import { isEximProgram } from '../../src/parse/exim.ts';
import { openTestStore, allMessages } from '../lib/store.ts';
import { CORPORA, corporaPresent, logFiles, readLogLines, sourceOf } from './walk.ts';

const present = corporaPresent();
if (!present) console.warn(`[corpora] SKIPPING Exim corpus tests: ${CORPORA} is absent`);

const ID = '[0-9A-Za-z]{6}-[0-9A-Za-z]{6,12}-[0-9A-Za-z]{2,4}';
const NDR_LINE = new RegExp(`(${ID}) <= <> .*\\bR=(${ID})`);
const FAIL_LINE = new RegExp(`(${ID}) \\*\\* `);

/** Chains read straight from the text, independently of the parser. */
function chainsIn(lines: string[]): Map<string, string> {
  const failed = new Set(lines.map((l) => FAIL_LINE.exec(l)?.[1]).filter((x): x is string => x !== undefined));
  const chains = new Map<string, string>();
  for (const l of lines) {
    const m = NDR_LINE.exec(l);
    if (m && failed.has(m[2]!)) chains.set(m[1]!, m[2]!);
  }
  return chains;
}

// CI has ../shared/corpora beside the checkout: a missing one there is a failure, not a skip.
describe.runIf(!present && process.env.CI === 'true')('Exim lines of the shared corpora under CI', () => {
  it('has the corpora', () => {
    expect(present, CORPORA).toBe(true);
  });
});

describe.skipIf(!present)('Exim lines of the shared corpora', () => {
  it('parses every Exim line; prints the share not understood per source', () => {
    const per = new Map<string, { lines: number; unknown: number }>();
    for (const file of logFiles()) {
      const parser = new LineParser({ year: 2020, mainlogHost: 'mx' });
      const c = per.get(sourceOf(file)) ?? { lines: 0, unknown: 0 };
      per.set(sourceOf(file), c);
      for (const line of readLogLines(file)) {
        const p = parser.parse(line);
        if (!p.head || !isEximProgram(p.head.program)) continue;
        c.lines++;
        if (p.cls === 'unknown') c.unknown++;
      }
    }
    const rows = [...per].filter(([, c]) => c.lines > 0);
    const sum = (f: (s: string) => boolean) =>
      rows.filter(([s]) => f(s)).reduce((a, [, c]) => ({ lines: a.lines + c.lines, unknown: a.unknown + c.unknown }), { lines: 0, unknown: 0 });
    const all = sum(() => true);
    const field = sum((s) => s !== 'exim-testsuite');
    console.log(`[corpora] Exim lines not understood, per source:\n${rows
      .map(([s, c]) => `${s.padEnd(38)} ${String(c.lines).padStart(7)} ${String(c.unknown).padStart(5)} ${((100 * c.unknown) / c.lines).toFixed(2)}%`)
      .join('\n')}\nall sources: ${all.unknown}/${all.lines}; without exim-testsuite's own logwrite text: ${field.unknown}/${field.lines}`);
    expect(field.lines).toBeGreaterThan(30_000);
    expect(field.unknown / field.lines).toBeLessThan(0.005);
    // The test suite's configs write their own text with logwrite/log_message (docs/coverage.md).
    expect(all.unknown / all.lines).toBeLessThan(0.03);
  });

  it('links every bounce chain in exim-testsuite, gvengel and ddgrey, file by file', async () => {
    let checked = 0;
    for (const file of logFiles().filter((f) => /exim-testsuite\/log\/|gvengel-exim_exporter\/mainlog|perericr-ddgrey/.test(f))) {
      const chains = chainsIn(readLogLines(file));
      if (chains.size === 0) continue;
      const store = openTestStore(':memory:');
      const db = store.db;
      const ingest = await Ingest.open(store, { internalNetworks: '127.0.0.1/32,::1/128' });
      await importFile(store, ingest, file, { year: 2020 });
      const msgs = await allMessages(store);
      for (const [ndr, orig] of chains) {
        // The test suite reuses ids within a file: any message under that id may be the one.
        const candidates = msgs.filter((m) => m.queue_ids.includes(orig));
        expect(candidates.length, `${file}: original ${orig} listed`).toBeGreaterThan(0);
        expect(candidates.some((m) => m.ndr !== null), `${file}: ${orig} has an NDR`).toBe(true);
        expect(msgs.some((m) => m.queue_id === ndr && m.sender === '' && m.origin === 'local'), `${file}: NDR ${ndr} listed as a message`).toBe(false);
        checked++;
      }
      db.close();
    }
    console.log(`[corpora] Exim bounce chains linked: ${checked}`);
    expect(checked).toBeGreaterThan(100);
  }, 300_000);
});
