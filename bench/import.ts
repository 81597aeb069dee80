// `npm run bench:import`: on the same files, times a bare readline loop (the floor), the shipped
// `bouncewatch import` (the dist bundle, a fresh SQLite file, rollups refreshed) and the reference
// tool: pflogsumm on the ~1M-line Postfix log built from the corpora, eximstats on a ~1M-line
// generated Exim mainlog. Then imports a 10M-line generated Postfix log for peak memory.
// It reports; it does not fail on a slow figure (exit 1 only when a run itself broke).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { buildCorpus, CORPUS_YEAR, DATA_DIR } from './build-corpus.ts';
import { emitResult } from './result.ts';

const ROOT = join(DATA_DIR, '../..');
const PFLOGSUMM = '/usr/sbin/pflogsumm';
const EXIMSTATS = [process.env.BW_EXIM_CACHE ?? '/var/cache/bouncewatch-e2e/exim', 'root/usr/sbin/eximstats'].join('/');
const GNU_TIME = '/usr/bin/time';

interface Row {
  tool: string;
  lines: number;
  seconds: number;
  rssMb: number;
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[]): Promise<Exit> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Runs a command under GNU time: wall seconds and peak RSS (all threads) of the whole process. */
async function timed(tool: string, lines: number, cmd: string, args: string[]): Promise<Row> {
  const out = join(DATA_DIR, 'time.out');
  const start = performance.now();
  const r = await run(GNU_TIME, ['-o', out, '-f', '%M', cmd, ...args]);
  const seconds = (performance.now() - start) / 1000;
  if (r.code !== 0) throw new Error(`${tool} failed (exit ${r.code}): ${cmd} ${args.join(' ')}\n${r.stderr}${r.stdout}`);
  const kb = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
  return { tool, lines, seconds, rssMb: kb / 1024 };
}

function bouncewatchImport(file: string, lines: number, year?: number): Promise<Row> {
  const db = join(DATA_DIR, 'import.db');
  for (const p of [db, `${db}-wal`, `${db}-shm`]) rmSync(p, { force: true });
  const args = [join(ROOT, 'dist/cli.mjs'), 'import', '--db', db, ...(year ? ['--year', String(year)] : []), file];
  return timed('bouncewatch import', lines, process.execPath, args);
}

function floor(file: string, lines: number): Promise<Row> {
  return timed('readline floor', lines, process.execPath, [join(ROOT, 'bench/readline-child.mjs'), file]);
}

/** A generated log (bench/generate.ts), made once per recipe and kept in bench/data/. */
async function generated(mta: 'postfix' | 'exim', lines: number): Promise<{ path: string; lines: number }> {
  const path = join(DATA_DIR, `${mta}-gen-${lines}.log`);
  if (!existsSync(path) || !existsSync(`${path}.truth.json`)) {
    console.log(`generating ${path} ...`);
    const r = await run(process.execPath, ['--import', 'tsx', 'bench/generate.ts', '--mta', mta, '--lines', String(lines),
      '--seed', '1', '--out', path]);
    if (r.code !== 0) throw new Error(`bench/generate.ts failed:\n${r.stderr}`);
  }
  const truth = JSON.parse(readFileSync(`${path}.truth.json`, 'utf8')) as { lines: { total: number } };
  return { path, lines: truth.lines.total };
}

function machine(): string {
  const c = cpus();
  return `machine: ${c[0]?.model ?? 'unknown cpu'}, ${c.length} cores, node ${process.version}; ` +
    `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
}

function table(rows: (Row & { worst: number })[]): string {
  const cells = [['tool', 'lines', 'seconds', 'lines/s', 'slowest s', 'peak RSS MB']].concat(
    rows.map((r) => [r.tool, String(r.lines), r.seconds.toFixed(2), String(Math.round(r.lines / r.seconds)), r.worst.toFixed(2),
      r.rssMb.toFixed(0)]),
  );
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** The fastest of the runs (the least disturbed by other load), with the slowest and the highest peak. */
function best(runs: Row[]): Row & { worst: number } {
  const fastest = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  return { ...fastest, worst: Math.max(...runs.map((r) => r.seconds)), rssMb: Math.max(...runs.map((r) => r.rssMb)) };
}

const speed = (r: Row) => r.lines / r.seconds;

/** Interleaved runs of the floor, bouncewatch and the reference on one file; prints the table. */
async function compare(name: string, file: string, lines: number, reference: (file: string) => Promise<Row>, year?: number) {
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`BENCH_RUNS must be a positive integer, got ${process.env.BENCH_RUNS}`);
  console.log(`\n${name}: ${file} (${lines} lines, ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB); best of ${runs} ` +
    'interleaved runs (BENCH_RUNS)');
  const floors: Row[] = [];
  const imports: Row[] = [];
  const refs: Row[] = [];
  for (let i = 0; i < runs; i++) {
    floors.push(await floor(file, lines));
    imports.push(await bouncewatchImport(file, lines, year));
    refs.push(await reference(file));
  }
  const [f, bw, ref] = [best(floors), best(imports), best(refs)];
  console.log(table([f, bw, ref]));
  const ratio = speed(bw) / speed(ref);
  console.log(`bouncewatch: ${(ratio).toFixed(2)}x ${ref.tool}'s lines/s (target 2x), ` +
    `${(speed(bw) / speed(f)).toFixed(2)}x the readline floor's`);
  emitResult({ target: `import ${name}: lines/s vs ${ref.tool}`, figure: `${Math.round(speed(bw))} lines/s = ${ratio.toFixed(2)}x`,
    goal: '>= 2x', met: ratio >= 2 });
}

async function main(): Promise<number> {
  console.log(machine());
  const build = await run('npm', ['run', 'build']);
  if (build.code !== 0) throw new Error(`npm run build failed:\n${build.stderr}`);

  const corpus = buildCorpus();
  if (corpus) {
    if (!existsSync(PFLOGSUMM)) throw new Error('pflogsumm is not installed (apt-get install pflogsumm)');
    await compare('Postfix corpora log', corpus.path, corpus.lines,
      (file) => timed('pflogsumm', corpus.lines, PFLOGSUMM, [file]), CORPUS_YEAR);
  }

  const exim = await generated('exim', 1_000_000);
  if (!existsSync(EXIMSTATS)) throw new Error(`eximstats not found at ${EXIMSTATS} (bash test/e2e/setup-debian.sh unpacks it)`);
  await compare('generated Exim mainlog', exim.path, exim.lines, (file) => timed('eximstats', exim.lines, EXIMSTATS, [file]));

  const big = Number(process.env.BENCH_MEMORY_LINES ?? 10_000_000);
  const large = await generated('postfix', big);
  console.log(`\nmemory: importing ${large.path} (${large.lines} lines, ${(statSync(large.path).size / 2 ** 30).toFixed(1)} GiB)`);
  // The generator's default timeline (30 days to 2026-11-01) lies in one year.
  const mem = await bouncewatchImport(large.path, large.lines, 2026);
  console.log(table([{ ...mem, worst: mem.seconds }]));
  emitResult({ target: `import ${(large.lines / 1e6).toFixed(0)}M lines: peak RSS`, figure: `${mem.rssMb.toFixed(0)} MB`,
    goal: '< 300 MB', met: mem.rssMb < 300 });
  return 0;
}

process.exitCode = await main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  return 1;
});
