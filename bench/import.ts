// `npm run bench`: builds the corpus if needed, then times on the same file a bare readline loop
// (the floor), bouncewatch import (a child, fresh SQLite) and pflogsumm, and prints them side by side.
// It reports; it does not fail on a slow figure (exit 1 only when a run itself broke).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { buildCorpus, DATA_DIR } from './build-corpus.ts';

const ROOT = join(DATA_DIR, '../..');
const PFLOGSUMM = '/usr/sbin/pflogsumm';
const GNU_TIME = '/usr/bin/time';

interface Row {
  tool: string;
  lines: number;
  seconds: number;
  rssMb: number | undefined;
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], onSpawn?: (pid: number) => void): Promise<Exit> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Runs one of our TypeScript children; it prints {lines, seconds, maxRssKb} as its last line. */
async function nodeChild(tool: string, script: string, args: string[]): Promise<Row & { json: Record<string, unknown> }> {
  const r = await run(process.execPath, ['--import', 'tsx', join('bench', script), ...args]);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !last.startsWith('{')) throw new Error(`${script} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  const json = JSON.parse(last) as { lines: number; seconds: number; maxRssKb: number };
  return { tool, lines: json.lines, seconds: json.seconds, rssMb: json.maxRssKb / 1024, json };
}

/** Peak RSS of a process we cannot instrument: VmHWM from /proc, sampled until it exits. */
function watchPeak(pid: number): { stop: () => number | undefined } {
  let peakKb: number | undefined;
  const sample = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peakKb = Math.max(peakKb ?? 0, Number(m[1]));
    } catch {
      // gone already
    }
  };
  const timer = setInterval(sample, 20);
  return { stop: () => (clearInterval(timer), peakKb === undefined ? undefined : peakKb / 1024) };
}

/** pflogsumm with its peak RSS from GNU time (-o a file, pflogsumm's own stderr stays apart). */
async function pflogsumm(file: string, lines: number, say: boolean): Promise<Row | undefined> {
  if (!existsSync(PFLOGSUMM)) {
    if (say) console.log('pflogsumm not installed (apt-get install pflogsumm)');
    return undefined;
  }
  const timeOut = join(DATA_DIR, 'pflogsumm.time');
  const useTime = existsSync(GNU_TIME);
  let watch: { stop: () => number | undefined } | undefined;
  const start = performance.now();
  const r = useTime
    ? await run(GNU_TIME, ['-o', timeOut, '-f', '%M', PFLOGSUMM, file])
    : await run(PFLOGSUMM, [file], (pid) => (watch = watchPeak(pid)));
  const seconds = (performance.now() - start) / 1000;
  const watched = watch?.stop();
  if (r.code !== 0) throw new Error(`pflogsumm failed (exit ${r.code}):\n${r.stderr}`);
  const rssMb = useTime ? Number(readFileSync(timeOut, 'utf8').trim().split('\n').pop()) / 1024 : watched;
  return { tool: 'pflogsumm', lines, seconds, rssMb };
}

function machine(): string {
  const c = cpus();
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  return `machine: ${c[0]?.model ?? 'unknown cpu'}, ${c.length} cores, node ${process.version}; load average ${load}`;
}

function table(rows: (Row & { worst: number })[]): string {
  const cells = [['tool', 'lines', 'seconds', 'lines/s', 'slowest s', 'peak RSS MB']].concat(
    rows.map((r) => [r.tool, String(r.lines), r.seconds.toFixed(2), String(Math.round(r.lines / r.seconds)), r.worst.toFixed(2),
      r.rssMb === undefined ? 'n/a' : r.rssMb.toFixed(0)]),
  );
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** The fastest of the runs (the least disturbed by other load), with the slowest and the highest peak. */
function best(runs: Row[]): Row & { worst: number } {
  const fastest = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const peaks = runs.map((r) => r.rssMb).filter((m): m is number => m !== undefined);
  return { ...fastest, worst: Math.max(...runs.map((r) => r.seconds)), rssMb: peaks.length ? Math.max(...peaks) : undefined };
}

async function main(): Promise<number> {
  console.log(machine());
  const corpus = buildCorpus();
  if (!corpus) return 0;
  const { path: file, lines } = corpus;
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`BENCH_RUNS must be a positive integer, got ${process.env.BENCH_RUNS}`);
  console.log(`file: ${file} (${lines} lines, ${(corpus.bytes / 2 ** 20).toFixed(0)} MiB); ` +
    `best of ${runs} interleaved runs each (BENCH_RUNS)\n`);

  const db = join(DATA_DIR, 'import.db');
  const floors: Row[] = [];
  const imports: (Row & { json: Record<string, unknown> })[] = [];
  const pfs: Row[] = [];
  for (let i = 0; i < runs; i++) {
    floors.push(await nodeChild('readline floor', 'readline-child.ts', [file]));
    imports.push(await nodeChild('bouncewatch import', 'import-child.ts', [file, db]));
    const pf = await pflogsumm(file, lines, i === 0);
    if (pf) pfs.push(pf);
  }
  const floor = best(floors);
  const bw = best(imports);
  const pf = pfs.length ? best(pfs) : undefined;
  console.log(table([floor, bw, ...(pf ? [pf] : [])]) + '\n');

  const speed = (r: Row) => r.lines / r.seconds;
  const totals = imports[0]!.json.totals as Record<string, number>;
  console.log(`bouncewatch: ${totals.mail} mail, ${totals.other} other, ${totals.unknown} unknown lines; ` +
    `database ${(statSync(db).size / 2 ** 20).toFixed(0)} MiB`);
  if (pf) console.log(`bouncewatch vs pflogsumm: ${(speed(bw) / speed(pf)).toFixed(2)}x the speed (target later: 2x)`);
  console.log(`bouncewatch vs readline floor: ${(speed(bw) / speed(floor)).toFixed(2)}x the speed`);
  return 0;
}

process.exitCode = await main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  return 1;
});
