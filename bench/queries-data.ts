// The database behind `npm run bench:queries`: a ~10M-line Postfix log from bench/generate.ts
// (30 days), imported with the real CLI. Both are reused while the recipe, the log's size and
// the line count match (bench/data/ is git-ignored); otherwise they are built again.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
export const DATA_DIR = join(ROOT, 'bench/data');
/** Bump when how the log or the database is made changes, so old ones are rebuilt. */
const RECIPE = 3;

export interface BenchDb {
  db: string;
  log: string;
  lines: number;
}

function run(args: string[], what: string): void {
  const started = performance.now();
  console.log(`${what} ...`);
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status})`);
  console.log(`${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** The generated log, made when missing. */
function ensureLog(lines: number): string {
  const log = join(DATA_DIR, `postfix-gen-${lines}.log`);
  if (existsSync(log) && existsSync(`${log}.truth.json`)) return log;
  if (!existsSync(join(ROOT, 'bench/generate.ts'))) throw new Error('bench/generate.ts is missing: it writes the log this benchmark reads');
  // A fresh clone has no bench/data (git-ignored): the generator writes into it.
  mkdirSync(DATA_DIR, { recursive: true });
  run(['--import', 'tsx', 'bench/generate.ts', '--mta', 'postfix', '--lines', String(lines), '--days', '30', '--out', log, '--seed', '1'],
    `generating ${log}`);
  return log;
}

/** `import` flags from the generator's truth file: the year of the first line, our domains. */
function importFlags(log: string): string[] {
  const truth = JSON.parse(readFileSync(`${log}.truth.json`, 'utf8')) as {
    generator?: { end?: string; days?: number };
    local_domains?: string[];
  };
  const flags: string[] = [];
  const end = Date.parse(truth.generator?.end ?? '');
  if (!Number.isNaN(end)) flags.push('--year', String(new Date(end - (truth.generator?.days ?? 0) * 86_400_000).getUTCFullYear()));
  if (truth.local_domains?.length) flags.push('--local-domains', truth.local_domains.join(','));
  return flags;
}

/** The database for `lines` log lines, imported when missing or made by another recipe. */
export function ensureDb(lines: number): BenchDb {
  const log = ensureLog(lines);
  const db = join(DATA_DIR, `queries-${lines}.db`);
  const key = JSON.stringify({ recipe: RECIPE, lines, logBytes: statSync(log).size });
  const keyFile = `${db}.json`;
  if (existsSync(db) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) return { db, log, lines };
  const tmp = `${db}.tmp`;
  for (const f of [db, tmp, keyFile].flatMap((p) => [p, `${p}-wal`, `${p}-shm`])) rmSync(f, { force: true });
  run([join(ROOT, 'bin/bouncewatch.js'), 'import', '--db', tmp, ...importFlags(log), log], `importing ${log}`);
  renameSync(tmp, db);
  writeFileSync(keyFile, key);
  return { db, log, lines };
}
