// `npm run bench:queries`: times every dashboard API call over real HTTP (the real express app,
// in this process) on a database of a ~10M-line, 30-day log, for the last 24 h and the last
// 30 d of the data: p50, p95 and max of BENCH_QUERY_RUNS runs after warm-up. Target: p95 under
// 100 ms (issue 8). It reports; it never fails on a slow figure (exit 1 only when a run broke).
//   BENCH_QUERY_LINES (default 10000000)  BENCH_QUERY_RUNS (default 20)
//   BENCH_QUERY_DB=FILE or postgres://...: time that database instead (bench/postgres.ts builds one)
import { statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { createApp } from '../src/http/app.ts';
import { openStore } from '../src/store/open.ts';
import { createPool, isPostgresUrl } from '../src/store/postgres/pg.ts';
import { one } from '../src/store/postgres/sql.ts';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { callsFor, type Ask, type Call } from './queries-calls.ts';
import { ensureDb } from './queries-data.ts';
import { emitResult } from './result.ts';

const DAY = 86_400_000;
const TARGET_MS = 100;

function machine(): string {
  const c = cpus();
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  return `machine: ${c[0]?.model ?? 'unknown cpu'}, ${c.length} cores, node ${process.version}; load average ${load}`;
}

function envInt(name: string, def: number): number {
  const n = Number(process.env[name] ?? def);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${process.env[name]}`);
  return n;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

interface Timing {
  call: string;
  period: string;
  p50: number;
  p95: number;
  max: number;
  note: string;
}

async function time(base: string, c: Call, period: string, runs: number): Promise<Timing> {
  const once = async () => {
    const started = performance.now();
    const r = await fetch(base + c.path);
    const body = (await r.json()) as Record<string, unknown>;
    const ms = performance.now() - started;
    if (r.status !== 200) throw new Error(`${c.path}: HTTP ${r.status} ${JSON.stringify(body)}`);
    return { ms, body };
  };
  // Warm-up: the first call of a kind may also bring rollups up to date and fill the page cache.
  await once();
  const last = (await once()).body;
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) ms.push((await once()).ms);
  ms.sort((a, b) => a - b);
  const size = Array.isArray(last.items) ? `${last.items.length} items` : Array.isArray(last.rows) ? `${last.rows.length} rows`
    : Array.isArray(last.points) ? `${last.points.length} points` : '';
  const total = typeof last.total === 'number' ? `, total ${last.total}${last.total_capped ? '+' : ''}` : '';
  return { call: c.name, period, p50: pct(ms, 50), p95: pct(ms, 95), max: ms.at(-1)!, note: size + total };
}

function table(rows: Timing[]): string {
  const cells = [['call', 'period', 'p50 ms', 'p95 ms', 'max ms', '', 'result']].concat(
    rows.map((r) => [r.call, r.period, r.p50.toFixed(1), r.p95.toFixed(1), r.max.toFixed(1), r.p95 >= TARGET_MS ? 'SLOW' : '', r.note]),
  );
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((c, i) => (i < 2 || i > 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()).join('\n');
}

async function main(): Promise<number> {
  console.log(machine());
  const runs = envInt('BENCH_QUERY_RUNS', 20);
  const dbPath = process.env.BENCH_QUERY_DB ?? ensureDb(envInt('BENCH_QUERY_LINES', 10_000_000)).db;
  const store = await openStore(dbPath, { agent: 'bench' });
  const pool = isPostgresUrl(dbPath) ? createPool(dbPath, 1) : undefined;
  const ask: Ask = pool
    ? (sql, p) => one(pool, sql, p)
    : async <T>(sql: string, p: { from: number; to: number }) => (store as SqliteStore).db.prepare(sql).get(p) as T | undefined;
  const lines = (await store.lineTotals(await store.period())).total;
  const messages = await store.messageCount();
  const size = pool
    ? `${((await one<{ n: number }>(pool, 'SELECT pg_database_size(current_database()) AS n'))!.n / 2 ** 20).toFixed(0)} MiB (PostgreSQL)`
    : `${(statSync(dbPath).size / 2 ** 20).toFixed(0)} MiB`;
  console.log(`database: ${store.location}, ${size}, ${lines} log lines, ${messages} messages; ` +
    `${runs} runs per call after 2 warm-up runs (BENCH_QUERY_RUNS)\n`);
  const app = createApp({ store, health: () => ({ status: 'ok' }) });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const end = (await store.period()).to;
    const rows: Timing[] = [];
    for (const [period, span] of [['24 h', DAY], ['30 d', 30 * DAY]] as const) {
      const p = { from: end - span, to: end };
      for (const c of await callsFor(ask, p)) rows.push(await time(base, c, period, runs));
    }
    rows.push(await timeText(base, runs));
    console.log(table(rows) + '\n');
    const slow = rows.filter((r) => r.p95 >= TARGET_MS);
    console.log(slow.length === 0 ? `every call: p95 under ${TARGET_MS} ms` : `${slow.length} of ${rows.length} calls at or above ${TARGET_MS} ms p95`);
    const worst = rows.reduce((a, b) => (b.p95 > a.p95 ? b : a));
    emitResult({ target: `API on ${(lines / 1e6).toFixed(0)}M lines${pool ? ' in PostgreSQL' : ''}: p95 of every call, 24 h and 30 d`,
      figure: `${rows.length - slow.length}/${rows.length} calls under ${TARGET_MS} ms; worst ${worst.call} ${worst.period} ${worst.p95.toFixed(0)} ms`,
      goal: `all < ${TARGET_MS} ms`, met: slow.length === 0 });
  } finally {
    server.close();
    await store.close();
    await pool?.end();
  }
  return 0;
}

/** /metrics is text, not JSON. */
async function timeText(base: string, runs: number): Promise<Timing> {
  const once = async () => {
    const started = performance.now();
    await (await fetch(`${base}/metrics`)).text();
    return performance.now() - started;
  };
  await once();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) ms.push(await once());
  ms.sort((a, b) => a - b);
  return { call: 'metrics', period: 'all', p50: pct(ms, 50), p95: pct(ms, 95), max: ms.at(-1)!, note: '' };
}

process.exitCode = await main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  return 1;
});
