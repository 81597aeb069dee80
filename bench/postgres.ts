// `npm run bench:postgres`: the fleet's shared database measured, beside the embedded one.
//   1. `bouncewatch import` of the same generated 1M-line Postfix log into a fresh SQLite file
//      and into a fresh PostgreSQL database (lines/s, peak RSS of the importer).
//   2. Three agents importing three such logs at once into one PostgreSQL (aggregate lines/s).
//   3. Every dashboard API call on a 10M-line PostgreSQL database, 24 h and 30 d (bench/queries.ts
//      with BENCH_QUERY_DB set), after importing the 10M-line log of `npm run bench:queries`.
// It starts its own PostgreSQL 15 (durable: fsync on, as in production) in bench/data/ and removes
// it afterwards. It reports; it never fails on a slow figure (exit 1 only when a run broke).
//   BENCH_PG_LINES (default 1000000)  BENCH_PG_AGENTS (default 3)  BENCH_PG_QUERY_LINES (default 10000000; 0 skips step 3)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type Postgres } from '../test/lib/postgres.ts';
import { DATA_DIR, ROOT } from './queries-data.ts';
import { emitResult } from './result.ts';

const GNU_TIME = '/usr/bin/time';
const BIN = join(ROOT, 'dist/cli.mjs');

function envInt(name: string, def: number): number {
  const n = Number(process.env[name] ?? def);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got ${process.env[name]}`);
  return n;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}, echo = false): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    const take = (d: Buffer) => {
      out += d.toString();
      if (echo) process.stdout.write(d);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', fail);
    child.on('close', (code) => done({ code, out }));
  });
}

interface Timed {
  seconds: number;
  rssMb: number;
}

/** `bouncewatch import` under GNU time: wall seconds and the importer's peak RSS. */
async function timedImport(db: string, log: string, extra: string[] = []): Promise<Timed> {
  const timeOut = join(DATA_DIR, `time-${process.pid}-${Math.random().toString(36).slice(2)}.out`);
  const started = performance.now();
  const r = await run(GNU_TIME, ['-o', timeOut, '-f', '%M', process.execPath, BIN, 'import', '--db', db, ...importFlags(log), ...extra, log]);
  const seconds = (performance.now() - started) / 1000;
  if (r.code !== 0) throw new Error(`import into ${db.replace(/\/\/[^@]*@/, '//')} failed:\n${r.out}`);
  const kb = Number(readFileSync(timeOut, 'utf8').trim().split('\n').pop());
  rmSync(timeOut, { force: true });
  return { seconds, rssMb: kb / 1024 };
}

/** A generated Postfix log (bench/generate.ts), made once per recipe and kept in bench/data/. */
async function generated(lines: number, seed: number): Promise<{ path: string; lines: number }> {
  const path = join(DATA_DIR, seed === 1 ? `postfix-gen-${lines}.log` : `postfix-gen-${lines}-seed${seed}.log`);
  if (!existsSync(path) || !existsSync(`${path}.truth.json`)) {
    console.log(`generating ${path} ...`);
    const r = await run(process.execPath, ['--import', 'tsx', 'bench/generate.ts', '--mta', 'postfix', '--lines', String(lines), '--days', '30',
      '--seed', String(seed), '--out', path]);
    if (r.code !== 0) throw new Error(`bench/generate.ts failed:\n${r.out}`);
  }
  const truth = JSON.parse(readFileSync(`${path}.truth.json`, 'utf8')) as { lines: { total: number } };
  return { path, lines: truth.lines.total };
}

/** `import` flags from the generator's truth file (as bench/queries-data.ts): the year, our domains. */
function importFlags(log: string): string[] {
  const truth = JSON.parse(readFileSync(`${log}.truth.json`, 'utf8')) as { generator?: { end?: string; days?: number }; local_domains?: string[] };
  const flags: string[] = [];
  const end = Date.parse(truth.generator?.end ?? '');
  if (!Number.isNaN(end)) flags.push('--year', String(new Date(end - (truth.generator?.days ?? 0) * 86_400_000).getUTCFullYear()));
  if (truth.local_domains?.length) flags.push('--local-domains', truth.local_domains.join(','));
  return flags;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

async function main(): Promise<number> {
  const c = cpus();
  console.log(`machine: ${c[0]?.model ?? 'unknown cpu'}, ${c.length} cores, node ${process.version}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const build = await run('npm', ['run', 'build']);
  if (build.code !== 0) throw new Error(`npm run build failed:\n${build.out}`);
  mkdirSync(DATA_DIR, { recursive: true });
  const lines = envInt('BENCH_PG_LINES', 1_000_000);
  const agents = envInt('BENCH_PG_AGENTS', 3);
  const queryLines = envInt('BENCH_PG_QUERY_LINES', 10_000_000);

  let pg: Postgres | undefined;
  try {
    pg = await startPostgres({ durable: true, dir: DATA_DIR });
    console.log(`PostgreSQL 15 on 127.0.0.1:${pg.port} (fsync on, shared_buffers 1GB), data in ${DATA_DIR}`);

    // 1. One log, both backends.
    const log = await generated(lines, 1);
    const sqlite = join(DATA_DIR, 'pg-bench-compare.db');
    for (const f of [sqlite, `${sqlite}-wal`, `${sqlite}-shm`]) rmSync(f, { force: true });
    const s = await timedImport(sqlite, log.path);
    const oneUrl = await pg.database('bench_one');
    const p = await timedImport(oneUrl, log.path);
    const sqliteBytes = statSync(sqlite).size;
    const pgBytes = Number(pg.psql(oneUrl.split('/').pop()!, 'SELECT pg_database_size(current_database())').trim());
    const perLine = (b: number) => (b / log.lines).toFixed(0);
    console.log(`\n1. import of ${log.path} (${log.lines} lines)\n${table([
      ['store', 'seconds', 'lines/s', 'peak RSS MB', 'database MiB', 'bytes/line'],
      ['SQLite', s.seconds.toFixed(1), String(Math.round(log.lines / s.seconds)), s.rssMb.toFixed(0), (sqliteBytes / 2 ** 20).toFixed(0), perLine(sqliteBytes)],
      ['PostgreSQL', p.seconds.toFixed(1), String(Math.round(log.lines / p.seconds)), p.rssMb.toFixed(0), (pgBytes / 2 ** 20).toFixed(0), perLine(pgBytes)],
    ])}\nPostgreSQL: ${(s.seconds / p.seconds).toFixed(2)}x SQLite's lines/s`);
    emitResult({ target: `import ${(log.lines / 1e6).toFixed(1)}M lines: PostgreSQL vs SQLite`, figure: `${Math.round(log.lines / p.seconds)} vs ${Math.round(log.lines / s.seconds)} lines/s`,
      goal: 'reported', met: true });

    // 2. Several agents at once, each its own log and agent name, into one database.
    if (agents > 0) {
      const logs = await Promise.all(Array.from({ length: agents }, (_, i) => generated(lines, i + 2)));
      const url = await pg.database('bench_fleet');
      const started = performance.now();
      const each = await Promise.all(logs.map((l, i) => timedImport(url, l.path, ['--agent', `agent-${i + 1}`])));
      const wall = (performance.now() - started) / 1000;
      const total = logs.reduce((a, l) => a + l.lines, 0);
      console.log(`\n2. ${agents} agents importing at once into one PostgreSQL (${total} lines)\n${table([
        ['agent', 'lines', 'seconds', 'lines/s', 'peak RSS MB'],
        ...each.map((t, i) => [`agent-${i + 1}`, String(logs[i]!.lines), t.seconds.toFixed(1), String(Math.round(logs[i]!.lines / t.seconds)), t.rssMb.toFixed(0)]),
        ['together', String(total), wall.toFixed(1), String(Math.round(total / wall)), ''],
      ])}`);
      emitResult({ target: `${agents} agents importing at once into PostgreSQL`, figure: `${Math.round(total / wall)} lines/s together`, goal: 'reported', met: true });
    }

    // 3. The API on a 10M-line PostgreSQL database.
    if (queryLines > 0) {
      const big = await generated(queryLines, 1);
      const url = await pg.database('bench_queries');
      const t = await timedImport(url, big.path);
      console.log(`\n3. imported ${big.lines} lines into PostgreSQL in ${t.seconds.toFixed(0)} s (${Math.round(big.lines / t.seconds)} lines/s, peak RSS ${t.rssMb.toFixed(0)} MB)`);
      const q = await run(process.execPath, ['--import', 'tsx', 'bench/queries.ts'], { BENCH_QUERY_DB: url }, true);
      if (q.code !== 0) throw new Error('bench/queries.ts failed on PostgreSQL');
    }
  } finally {
    pg?.stop();
  }
  return 0;
}

process.exitCode = await main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  return 1;
});
