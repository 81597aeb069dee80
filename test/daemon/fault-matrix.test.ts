// Issue 22's fault matrix: the real `serve` over a log written from the real-MTA e2e output, for
// every state at the stop x how it stops x rotation (each kind, while serve is down or while it
// runs). Each must give `messages --json` and `report --json` equal to one `import` of the lines
// the harness wrote. Only where a rotated file was deleted while serve was down may lines be
// missing: exactly those the deleted file held past the lines serve had read, with exactly one
// warning (none when serve never saw that file, which nothing can know: README, "Guarantees").
// Seeded: BW_MATRIX_SEED repeats a run, BW_MATRIX_ONLY=text runs the combinations named so.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GAP_MESSAGES } from '../../src/inputs/position.ts';
import { cliEntry } from './lib/cli-entry.ts';
import { comboName, EVENTS, runCombo, STATES, STOPS, type Combo, type Outcome } from './lib/fault-combo.ts';
import { runCli } from './lib/serve-process.ts';

const SOURCE = readFileSync(fileURLToPath(new URL('../fixtures/postfix-e2e/mail.log', import.meta.url)), 'utf8').split('\n').filter(Boolean);
const seed = Number(process.env.BW_MATRIX_SEED ?? Date.now() % 1_000_000);
const JOBS = Number(process.env.BW_MATRIX_JOBS ?? 4);
const ONLY = process.env.BW_MATRIX_ONLY;

const combos: Combo[] = STATES.flatMap((state) => STOPS.flatMap((stop) => [
  ...EVENTS.map((event) => ({ state, stop, event, when: 'down' as const })),
  // Deleting a generation serve has not read yet while it runs is a race with its next look, not a
  // fault it could have avoided: the while-down case is the documented loss.
  ...EVENTS.filter((e) => e !== 'none' && e !== 'delete').map((event) => ({ state, stop, event, when: 'running' as const })),
])).filter((c) => !ONLY || comboName(c).includes(ONLY));

/** Each combination's own seed, from the run's seed and its name: one can be repeated alone. */
const comboSeed = (c: Combo) => [...comboName(c)].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0, seed);

let entry = '';
let refDir = '';
const refs = new Map<string, Promise<{ messages: string; report: string }>>();

/** One import of exactly these lines, in this order: the expected result. */
function reference(lines: number[]): Promise<{ messages: string; report: string }> {
  const key = lines.join(',');
  let ref = refs.get(key);
  if (!ref) {
    const n = refs.size;
    ref = (async () => {
      const file = join(refDir, `lines-${n}.log`);
      const db = join(refDir, `import-${n}.db`);
      writeFileSync(file, lines.map((i) => `${SOURCE[i]}\n`).join(''));
      await runCli(entry, ['import', '--db', db, file]);
      const [messages, report] = await Promise.all([runCli(entry, ['messages', '--db', db, '--json']), runCli(entry, ['report', '--db', db, '--json'])]);
      return { messages, report };
    })();
    refs.set(key, ref);
  }
  return ref;
}

let free = JOBS;
const waiting: (() => void)[] = [];
async function slot(): Promise<() => void> {
  if (free > 0) free--;
  else await new Promise<void>((r) => waiting.push(r));
  return () => (waiting.length > 0 ? waiting.shift()!() : free++);
}

function gapMetric(metrics: string): number {
  return metrics.split('\n').filter((l) => l.startsWith('bouncewatch_follower_gaps_total')).reduce((a, l) => a + Number(l.split(' ').at(-1)), 0);
}

async function check(c: Combo, out: Outcome): Promise<void> {
  const k = out.gaps[0]?.lines_read ?? 0;
  // Lines no file on disk holds any more, beyond those serve says it had read from the deleted file.
  const missing = new Set([...out.log.gone()].filter((i) => out.first.lines.indexOf(i) >= k));
  const want = await reference(SOURCE.map((_, i) => i).filter((i) => !missing.has(i)));
  expect(out.exitCode, 'the last serve stops cleanly').toBe(0);
  if (c.event === 'delete' && c.when === 'down' && c.state !== 'never') {
    expect(out.gaps).toMatchObject([{ reason: 'gone', path: out.log.path, file: out.log.path }]);
    expect(out.warnings).toMatchObject([{ level: 40, gap: 'gone', path: out.log.path, lines_read: k, msg: GAP_MESSAGES.gone }]);
    expect(k, 'serve read no more of the deleted file than was written before it stopped').toBeLessThanOrEqual(out.atStop);
    if (c.state !== 'mid') expect(k, 'a file read to its end (or empty) when serve stopped').toBe(out.atStop);
  } else {
    if (c.event !== 'delete') expect([...missing], 'nothing is gone from disk').toEqual([]);
    expect(out.gaps).toEqual([]);
    expect(out.warnings).toEqual([]);
  }
  expect(out.health.follower_gaps, '/healthz counts the gaps').toBe(out.gaps.length);
  expect(gapMetric(out.metrics), '/metrics counts the gaps').toBe(out.gaps.length);
  expect(JSON.parse(out.report)).toEqual(JSON.parse(want.report));
  expect(out.messages).toBe(want.messages);
}

let dispose = () => undefined as void;
beforeAll(async () => {
  const built = await cliEntry();
  ({ entry, dispose } = built);
  refDir = mkdtempSync(join(tmpdir(), 'bw-matrix-ref-'));
  console.log(`fault matrix: seed ${seed} (BW_MATRIX_SEED), ${combos.length} combinations, ${JOBS} at a time (BW_MATRIX_JOBS); running ${built.what}`);
}, 120_000);
afterAll(() => dispose());

describe.concurrent(`serve fault matrix (seed ${seed})`, () => {
  for (const c of combos) {
    it(comboName(c), async () => {
      const release = await slot();
      let out: Outcome | undefined;
      try {
        out = await runCombo(c, comboSeed(c), entry, SOURCE);
        await check(c, out);
        rmSync(out.dir, { recursive: true, force: true });
      } catch (e) {
        console.log(`FAILED: ${comboName(c)} (seed ${seed}; BW_MATRIX_SEED=${seed} BW_MATRIX_ONLY='${comboName(c)}')` +
          (out ? `\nfiles kept in ${out.dir}\n${out.logs.slice(-6000)}` : ''));
        throw e;
      } finally {
        release();
      }
    }, 180_000);
  }
});
