// A real PostgreSQL 15 for tests: a throwaway cluster in a temporary directory, owned by the
// `postgres` user (initdb refuses root), listening on a free loopback port, stopped and removed
// by the test that started it. Recipe: ../shared/docs/real-parts.md. Each test gets its own
// database from `database()`, so tests in one file share the cluster but never rows.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PG_BIN = '/usr/lib/postgresql/15/bin';
const USER = 'bw';

/** Why PostgreSQL cannot run here (not installed, not root), or undefined when it can. */
export function postgresMissing(): string | undefined {
  if (!existsSync(join(PG_BIN, 'initdb'))) return `PostgreSQL 15 is not installed (${PG_BIN}/initdb): apt-get install postgresql-15`;
  if (process.getuid?.() !== 0) return 'the PostgreSQL harness runs initdb as the postgres user and needs root';
  if (spawnSync('id', ['postgres']).status !== 0) return 'there is no postgres user';
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function asPostgres(cmd: string): string {
  return execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface Postgres {
  port: number;
  /** The cluster's directory: data/ and pg.log (the server's log). */
  dir: string;
  /** postgres://bw@127.0.0.1:PORT/NAME */
  url(db: string): string;
  /** A new empty database (named after the test when given), and its URL. */
  database(name?: string): Promise<string>;
  /** psql -c, as the cluster's superuser, on one database; the output. */
  psql(db: string, sql: string): string;
  /** Crash (`immediate`) or stop cleanly, then start again on the same port and data. */
  restart(mode?: 'immediate' | 'fast'): void;
  stopServer(mode?: 'immediate' | 'fast'): void;
  startServer(): void;
  stop(): void;
}

let dbCount = 0;

/** `durable`: fsync on, as a production server runs (benchmarks); tests run without. */
export async function startPostgres(opts: { durable?: boolean; dir?: string } = {}): Promise<Postgres> {
  const missing = postgresMissing();
  if (missing) throw new Error(missing);
  const dir = mkdtempSync(join(opts.dir ?? tmpdir(), 'bw-pg-'));
  chmodSync(dir, 0o755);
  execFileSync('chown', ['postgres', dir]);
  const data = join(dir, 'data');
  asPostgres(`${PG_BIN}/initdb -D ${data} -A trust -U ${USER} --locale=C.UTF-8 --encoding=UTF8 >/dev/null`);
  const port = await freePort();
  // Fast: no fsync (a test cluster: a crash of PostgreSQL, not of the machine, loses nothing
  // that reached the kernel). synchronous_commit stays on: with it off, a commit already
  // reported could be lost by the crashes the fault tests cause (they found so).
  const fast = opts.durable ? '-c shared_buffers=1GB -c max_wal_size=4GB' : '-c fsync=off -c full_page_writes=off';
  const flags = `-k ${dir} -h 127.0.0.1 -p ${port} ${fast} -c max_connections=60`;
  const startServer = () => void asPostgres(`${PG_BIN}/pg_ctl -D ${data} -o '${flags}' -l ${dir}/pg.log -w start >/dev/null`);
  const stopServer = (mode: 'immediate' | 'fast' = 'fast') => void asPostgres(`${PG_BIN}/pg_ctl -D ${data} -m ${mode} -w stop >/dev/null`);
  startServer();
  const url = (db: string) => `postgres://${USER}@127.0.0.1:${port}/${db}`;
  const psql = (db: string, sql: string) =>
    execFileSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', USER, '-d', db, '-c', sql], { encoding: 'utf8' });
  return {
    port,
    dir,
    url,
    psql,
    async database(name) {
      const db = `${(name ?? 'test').toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 40)}_${process.pid}_${++dbCount}`;
      psql('postgres', `CREATE DATABASE ${db}`);
      return url(db);
    },
    restart(mode = 'immediate') {
      stopServer(mode);
      startServer();
    },
    stopServer,
    startServer,
    stop() {
      try {
        stopServer('immediate');
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
