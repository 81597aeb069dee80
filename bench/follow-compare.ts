// tail-file against our follower (src/inputs/follower.ts) on the same seeded writer: N numbered
// lines with two rename and two copytruncate rotations, consumers SIGKILLed at seeded moments.
// Prints written/received/lost/duplicated per contender. It reports; it does not fail on a loss.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, killHard, output, progress, startChild, tally, waitFor, type Tally } from './follow-children.ts';
import { killDelays } from './follow-schedule.ts';

interface Contender {
  name: string;
  script: string;
  kills: number;
}

interface Result extends Tally {
  mode: string;
  seed: number;
  contender: string;
  kills: number;
  written: number;
  seconds: number;
  dir: string;
  rotated: string;
}

function envInt(name: string, fallback: number): number {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a whole number, got ${process.env[name]}`);
  return v;
}

const LINES = envInt('FOLLOW_LINES', 200_000);
const KILLS = envInt('FOLLOW_KILLS', 20);
const WORK_US = envInt('FOLLOW_WORK_US', 5);
const RATE = envInt('FOLLOW_RATE', 10_000);
const KILL_MAX_MS = envInt('FOLLOW_KILL_MAX_MS', 1000);
const QUIET_MS = envInt('FOLLOW_QUIET_MS', 2000);
const BATCH = 1000;
const POLL_MS = 20;
const SEED = envInt('FOLLOW_SEED', Date.now() % 1_000_000);
const RUNS = envInt('FOLLOW_RUNS', 1);
const MODES = (process.env.FOLLOW_MODES ?? 'full,paced').split(',').map((m) => m.trim());
/** FOLLOW_ONLY=ours or tail-file, and FOLLOW_KILLED=0 or 1: run a part, to repeat a finding. */
const ONLY = process.env.FOLLOW_ONLY;
const KILLED = process.env.FOLLOW_KILLED;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const CONTENDERS: Contender[] = [
  { name: 'our follower', script: 'follow-ours.ts', kills: 0 },
  { name: 'our follower', script: 'follow-ours.ts', kills: KILLS },
  { name: 'tail-file 1.4.16', script: 'follow-tailfile.ts', kills: 0 },
  { name: 'tail-file 1.4.16', script: 'follow-tailfile.ts', kills: KILLS },
];

/** One contender on one writer run: start the consumer, start the writer, kill and restart, drain. */
async function runOne(c: Contender, mode: string, seed: number): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-follow-compare-'));
  const log = join(dir, 'mail.log');
  const db = join(dir, 'consumer.db');
  const errs = join(dir, 'consumer.stderr');
  writeFileSync(log, '');
  const args = [log, db, String(WORK_US), String(BATCH), String(POLL_MS)];
  let consumer = startChild(c.script, args, errs);
  await waitFor(consumer, 'up');
  const writer = startChild('follow-writer.ts', [log, String(LINES), String(seed), mode === 'paced' ? String(RATE) : '0'], join(dir, 'writer.stderr'));
  const writerOut = output(writer);
  for (const delay of killDelays(c.kills, KILL_MAX_MS, seed)) {
    await firstCommit(db, 2000);
    await sleep(delay);
    await killHard(consumer);
    consumer = startChild(c.script, args, errs);
    await waitFor(consumer, 'up');
  }
  const out = await writerOut;
  if ((await exited(writer)) !== 0) throw new Error(`writer failed, see ${dir}/writer.stderr`);
  const { startedAt, rotations } = JSON.parse(out.trim().split('\n').pop() ?? '{}') as
    { startedAt: number; rotations: { kind: string; after: number }[] };
  await drain(db);
  consumer.kill('SIGTERM');
  const stopped = await Promise.race([exited(consumer), sleep(10_000).then(() => 'timeout' as const)]);
  if (stopped === 'timeout') await killHard(consumer);
  const t = tally(db, LINES);
  const seconds = (progress(db).lastAt - startedAt) / 1000;
  const rotated = rotations.map((r) => `${r.kind} after ${r.after}`).join(', ');
  return { ...t, mode, seed, contender: c.name, kills: c.kills, written: LINES, seconds, dir, rotated };
}

/**
 * Until the running consumer has committed a batch (or `ms` passed): the seeded kill delay counts
 * from there, so every run makes some progress. On a loaded machine, kills counted from start-up
 * land before any commit and the run tests only rotations piling up while nothing is committed.
 */
async function firstCommit(db: string, ms: number): Promise<void> {
  const before = progress(db).received;
  const until = Date.now() + ms;
  while (Date.now() < until && progress(db).received === before) await sleep(10);
}

/** Waits until the committed count has not moved for QUIET_MS (all read, or stuck for good). */
async function drain(db: string): Promise<void> {
  let last = -1;
  let since = Date.now();
  while (Date.now() - since < QUIET_MS) {
    await sleep(100);
    const { received } = progress(db);
    if (received !== last) [last, since] = [received, Date.now()];
  }
}

function table(rows: Result[]): string {
  const head = ['writer', 'seed', 'contender', 'kills', 'written', 'received', 'lost', 'duplicated', 'garbled', 'lines/s'];
  const cells = [head].concat(rows.map((r) => [r.mode, String(r.seed), r.contender, String(r.kills), String(r.written),
    String(r.received), String(r.lost), String(r.duplicated), String(r.garbled),
    r.seconds > 0 ? String(Math.round((r.received - r.garbled - r.duplicated) / r.seconds)) : 'n/a']));
  const widths = head.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((c, i) => (i <= 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** One line per run; the files of a run where our follower lost or repeated a line are kept. */
function report(r: Result, c: Contender): void {
  const bad = r.lost + r.duplicated + r.garbled > 0;
  const keep = process.env.FOLLOW_KEEP === '1' || (bad && c.script === 'follow-ours.ts');
  console.log(`  ${c.name}, ${c.kills} kills: lost ${r.lost}, duplicated ${r.duplicated}, garbled ${r.garbled}` +
    (r.firstLost !== undefined ? `, first lost line ${r.firstLost}` : '') +
    (r.garbledSample !== undefined ? `, e.g. "${r.garbledSample.slice(0, 60)}"` : '') +
    (keep ? ` (files kept in ${r.dir})` : ''));
  if (!keep) rmSync(r.dir, { recursive: true, force: true });
}

async function main(): Promise<number> {
  const c = cpus();
  console.log(`machine: ${c[0]?.model ?? 'unknown cpu'}, ${c.length} cores, node ${process.version}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`${LINES} lines (FOLLOW_LINES), 2 rename + 2 copytruncate rotations, ${WORK_US} µs work per line (FOLLOW_WORK_US), ` +
    `batches of ${BATCH}; writer modes ${MODES.join(', ')} (paced = FOLLOW_RATE ${RATE} lines/s); ` +
    `kills ${KILLS} (FOLLOW_KILLS) at 0-${KILL_MAX_MS} ms (FOLLOW_KILL_MAX_MS) after each run's first commit; seed ${SEED} (FOLLOW_SEED), runs ${RUNS} (FOLLOW_RUNS)\n`);
  const chosen = CONTENDERS.filter((c) => (!ONLY || c.name.includes(ONLY) || c.script.includes(ONLY)) &&
    (KILLED === undefined || (c.kills > 0) === (KILLED === '1')));
  const rows: Result[] = [];
  for (let run = 0; run < RUNS; run++) {
    for (const mode of MODES) {
      for (const c of chosen) {
        const r = await runOne(c, mode, SEED + run);
        rows.push(r);
        if (c === chosen[0]) console.log(`${mode} writer, seed ${r.seed}: ${r.rotated}`);
        report(r, c);
      }
    }
  }
  console.log('\n' + table(rows));
  console.log('\nlines/s: distinct lines received / seconds from the writer\'s first line to the consumer\'s last commit (restarts included)');
  return 0;
}

process.exitCode = await main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  return 1;
});
