// One combination of the fault matrix (test/daemon/fault-matrix.test.ts): a real `serve` is
// brought to a state on a log, stopped, the log rotated while it is down or once it is back
// (killed again during that start-up when the stop was a SIGKILL), the rest of the lines written,
// and what it committed collected for the comparison with one import of the same lines.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { between, rng } from '../../../bench/rng.ts';
import { MailLog, type Held } from './mail-log.ts';
import { checkpointAbsent, committedLines, gapRows, hasCheckpoint, type GapRow } from './serve-db.ts';
import { freePort, killHard, logEntries, runCli, startServe, stopClean, type ServeRun } from './serve-process.ts';

export const STATES = ['never', 'empty', 'mid', 'end'] as const;
export const STOPS = ['SIGTERM', 'SIGKILL'] as const;
/** Rotations: `two-gz` is two renames with delaycompress; `twice-empty`, a new file rotated again before its first line (ifempty); `ct-rename`, a copytruncate then a rename; `delete`, a rename then `rotate 1` deleting the old file. */
export const EVENTS = ['none', 'rename', 'two-gz', 'copytruncate', 'ct-rename', 'twice-empty', 'delete'] as const;

export interface Combo {
  state: (typeof STATES)[number];
  stop: (typeof STOPS)[number];
  event: (typeof EVENTS)[number];
  when: 'down' | 'running';
}

export interface Outcome {
  dir: string;
  log: MailLog;
  /** The file that was live when serve stopped (or, never seen, the first one written). */
  first: Held;
  /** Lines that file held when serve stopped. */
  atStop: number;
  gaps: GapRow[];
  /** Warnings with a `gap` field, over every run. */
  warnings: Record<string, unknown>[];
  health: { follower_gaps?: number };
  metrics: string;
  exitCode: number | null;
  messages: string;
  report: string;
  /** Every run's log, for a failure's message. */
  logs: string;
}

export const comboName = (c: Combo) => `${c.state} at stop, ${c.stop}, ${c.event} ${c.when === 'down' ? 'while down' : 'while it runs'}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** The rotation, as logrotate does it; lines keep coming between its steps (with pauses while serve runs). */
async function rotate(event: Combo['event'], log: MailLog, rand: () => number, running: boolean): Promise<void> {
  const between2 = async () => {
    log.write(between(rand, running ? 1 : 5, running ? 20 : 30));
    if (running) await sleep(between(rand, 10, 80));
  };
  const late = between(rand, 0, 2);
  switch (event) {
    case 'none': return;
    case 'rename': return log.rename({ late });
    case 'copytruncate': return log.copytruncate();
    case 'two-gz':
      log.rename({ late });
      await between2();
      return log.rename({ late, compressOlder: true });
    case 'ct-rename':
      log.copytruncate();
      await between2();
      return log.rename({ late, compressOlder: true });
    case 'twice-empty':
      log.rename();
      return log.rename({ compressOlder: true });
    case 'delete':
      log.rename({ late });
      await between2();
      return log.rename({ late, keepOne: true });
  }
}

/** Phase A: serve reaches the state, then stops as asked; returns the lines its file held then. */
async function reachStateAndStop(c: Combo, log: MailLog, db: string, start: () => ServeRun, rand: () => number): Promise<number> {
  const mid = between(rand, 5, 30);
  const end = between(rand, 60, 160);
  // serve needs its log to exist when it starts: "never saw" is a path whose file was deleted
  // while serve ran (and not created again before it stopped).
  if (c.state === 'empty' || c.state === 'never') log.create();
  if (c.state === 'mid') log.write(mid);
  if (c.state === 'end') log.write(end);
  const run = start();
  if (!(await run.serving)) throw new Error(`serve did not start: ${run.out()}`);
  await until('the first checkpoint', () => hasCheckpoint(db));
  if (c.state === 'never') {
    log.deleteLive();
    await until('a checkpoint of no file', () => checkpointAbsent(db));
  }
  let writing: Promise<void> = Promise.resolve();
  if (c.state === 'mid') {
    // The writer goes on while serve reads; the stop lands somewhere in the middle, and the rest of
    // the file is written while serve is down.
    writing = (async () => {
      while (log.next < end) {
        log.write(between(rand, 1, 6));
        await sleep(between(rand, 3, 15));
      }
    })();
    await sleep(between(rand, 0, 300));
  }
  if (c.state === 'end') await until('serve to read the whole file', () => committedLines(db) === end);
  if (c.stop === 'SIGKILL') await killHard(run);
  else if ((await stopClean(run)) !== 0) throw new Error(`serve did not stop cleanly: ${run.out()}`);
  const atStop = log.files.find((f) => f.name !== null)?.lines.length ?? 0;
  await writing;
  return atStop;
}

export async function runCombo(c: Combo, seed: number, entry: string, source: readonly string[]): Promise<Outcome> {
  const rand = rng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'bw-matrix-'));
  const log = new MailLog(join(dir, 'mail.log'), source);
  const db = join(dir, 'serve.db');
  const port = await freePort();
  const runs: ServeRun[] = [];
  const start = () => {
    const r = startServe(entry, db, [log.path], port);
    runs.push(r);
    return r;
  };
  const atStop = await reachStateAndStop(c, log, db, start, rand);
  const first = log.files.find((f) => f.name !== null) ?? log.create();

  // Down: the mail server goes on writing; maybe logrotate runs.
  log.write(between(rand, 10, 60));
  if (c.when === 'down') await rotate(c.event, log, rand, false);

  // Back: killed once more during its start-up and catch-up when the stop was a kill (a crash loop).
  let final = start();
  if (c.stop === 'SIGKILL') {
    await sleep(between(rand, 0, 700));
    await killHard(final);
    final = start();
  }
  if (!(await final.serving)) throw new Error(`serve did not start again: ${final.out()}`);
  if (c.when === 'running') {
    await sleep(between(rand, 0, 150));
    await rotate(c.event, log, rand, true);
  }
  while (!log.done) {
    log.write(between(rand, 5, 40));
    await sleep(between(rand, 0, 15));
  }
  // Everything but what only a deleted file held beyond the lines serve had read from it.
  const expectedCount = () => source.length - [...log.gone()].filter((i) => first.lines.indexOf(i) >= (gapRows(db)[0]?.lines_read ?? 0)).length;
  await until(`serve to commit ${expectedCount()} lines`, () => committedLines(db) === expectedCount()).catch(() => undefined);
  const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Outcome['health'];
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const exitCode = await stopClean(final);
  const [messages, report] = await Promise.all([runCli(entry, ['messages', '--db', db, '--json']), runCli(entry, ['report', '--db', db, '--json'])]);
  return {
    dir, log, first, atStop, gaps: gapRows(db), health, metrics, exitCode, messages, report,
    warnings: runs.flatMap(logEntries).filter((e) => e.gap !== undefined),
    logs: runs.map((r, i) => `--- run ${i + 1}\n${r.out()}`).join('\n'),
  };
}
