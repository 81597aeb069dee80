// Crash safety of `serve`: a writer appends real log lines (the e2e harness's Postfix log)
// with a rename rotation and a copytruncate, while `serve` is SIGKILLed at least 10 times at
// random moments and restarted. Afterwards `messages --json` and `report --json` must equal
// those of one `import` of the same lines in order: nothing lost, nothing counted twice.
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliOk } from '../cli/run-cli.ts';
// The benchmarks' seeded PRNG: a failing run can be repeated with the seed it prints.
import { rng } from '../../bench/rng.ts';
import { BIN, killHard, startServe as start, stopClean, type ServeRun } from './lib/serve-process.ts';

const SOURCE = fileURLToPath(new URL('../fixtures/postfix-e2e/mail.log', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const startServe = (db: string, log: string): ServeRun => start(BIN, db, [log], 0);

/** When serve says it is serving (or exits), so a kill lands while it works. */
const ready = async (p: ServeRun): Promise<void> => void (await p.serving);

const seed = Number(process.env.BW_CRASH_SEED ?? Date.now() % 1_000_000);

describe('serve under SIGKILL', () => {
  it(`loses and repeats nothing across kills and rotations (seed ${seed})`, async () => {
    const rand = rng(seed);
    const dir = mkdtempSync(join(tmpdir(), 'bw-crash-'));
    const log = join(dir, 'mail.log');
    const db = join(dir, 'serve.db');
    const lines = readFileSync(SOURCE, 'utf8').split('\n').filter(Boolean);
    writeFileSync(log, '');

    let written = 0;
    let rotations = 0;
    const writer = (async () => {
      for (const line of lines) {
        appendFileSync(log, `${line}\n`);
        written++;
        if (written === Math.floor(lines.length / 3)) {
          renameSync(log, `${log}.1`); // rename-and-create, as Debian's logrotate does
          writeFileSync(log, '');
          rotations++;
        } else if (written === Math.floor((2 * lines.length) / 3)) {
          if (existsSync(`${log}.1`)) renameSync(`${log}.1`, `${log}.2`);
          copyFileSync(log, `${log}.1`); // copytruncate
          truncateSync(log, 0);
          rotations++;
        }
        await sleep(15 + rand() * 20);
      }
    })();

    let kills = 0;
    let serve = startServe(db, log);
    const runs = [serve];
    while (written < lines.length || kills < 10) {
      await ready(serve);
      await sleep(rand() * 500);
      await killHard(serve);
      kills++;
      serve = startServe(db, log);
      runs.push(serve);
    }
    await writer;
    // Let the last one catch up, then stop it cleanly.
    const end = statSync(log).size;
    for (let i = 0; i < 60; i++) {
      await sleep(50);
      const out = cliOk(['report', '--db', db, '--json']);
      if ((JSON.parse(out) as { lines: { total: number } }).lines.total >= lines.length && statSync(log).size === end) break;
    }
    await ready(serve);
    await sleep(300);
    const logs = () => runs.map((r) => r.out()).join('\n');
    expect(await stopClean(serve), logs()).toBe(0);

    const whole = join(dir, 'whole.log');
    writeFileSync(whole, lines.map((l) => `${l}\n`).join(''));
    const ref = join(dir, 'import.db');
    cliOk(['import', '--db', ref, whole]);

    expect(kills).toBeGreaterThanOrEqual(10);
    expect(rotations).toBe(2);
    const got = cliOk(['report', '--db', db, '--json']);
    const want = cliOk(['report', '--db', ref, '--json']);
    if (got !== want) console.log(`serve:  ${got}\nimport: ${want}\nkills ${kills}\n${logs().slice(-3000)}`);
    expect(JSON.parse(got)).toEqual(JSON.parse(want));
    expect(cliOk(['messages', '--db', db, '--json'])).toBe(cliOk(['messages', '--db', ref, '--json']));
  }, 180_000);
});
