// The two stores a test can run on: an SQLite file in a temporary directory, and a database on
// a real PostgreSQL 15 (test/lib/postgres.ts), started once per test file at its first use and
// stopped with `stopBackends()` in afterAll. Where PostgreSQL cannot run (not installed, not
// root) the PostgreSQL cases are skipped with the reason, except under CI=true, where that fails.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresMissing, startPostgres, type Postgres } from './postgres.ts';

export interface TestBackend {
  name: 'SQLite' | 'PostgreSQL';
  /** A new, empty database: a file path or a postgres:// URL, for --db and openStore. */
  location(tag: string): Promise<string>;
}

let server: Promise<Postgres> | undefined;
let dir: string | undefined;

const sqlite: TestBackend = {
  name: 'SQLite',
  location: async (tag) => join((dir ??= mkdtempSync(join(tmpdir(), 'bw-backend-'))), `${tag}.db`),
};

const postgres: TestBackend = {
  name: 'PostgreSQL',
  location: async (tag) => (await (server ??= startPostgres())).database(tag),
};

/** The backends to run on here; PostgreSQL's absence is said once, and is fatal under CI. */
export function testBackends(): TestBackend[] {
  const missing = postgresMissing();
  if (!missing) return [sqlite, postgres];
  if (process.env.CI === 'true') throw new Error(`CI needs PostgreSQL: ${missing}`);
  console.warn(`PostgreSQL cases skipped: ${missing}`);
  return [sqlite];
}

/** Stops this file's PostgreSQL, if it started one, and removes its SQLite files. */
export async function stopBackends(): Promise<void> {
  const s = server;
  server = undefined;
  if (s) (await s).stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}
