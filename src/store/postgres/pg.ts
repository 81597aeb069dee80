// The connection to PostgreSQL (node-postgres): a small pool per process, numbers as numbers,
// and the errors that mean "the database is not there right now" told apart from the others.
// libpq's environment (PGPASSWORD, PGSSLMODE, PGHOST, ...) is honoured by node-postgres itself;
// the URL (config `db`, BOUNCEWATCH_DB, --db) names the rest.
import pg from 'pg';

export type Pool = pg.Pool;
export type Client = pg.PoolClient;
export type Queryable = pg.Pool | pg.PoolClient;

// bigint (int8) and numeric (sum() of bigint) arrive as strings by default: every such value
// here is a count or a time in ms, well inside 2^53, so they are read as numbers.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => (v === null ? null : Number(v));
    return pg.types.getTypeParser(oid, format);
  },
};

/** Is this a URL for the PostgreSQL backend? */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The URL without its password, for messages and /healthz. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:…@');
}

/** `lockMs`: how long a statement waits for a lock another writer holds before it fails (as busy). */
export function createPool(url: string, max = 4, lockMs = 5000): Pool {
  const pool = new pg.Pool({
    connectionString: url, max, types, connectionTimeoutMillis: 10_000, application_name: 'bouncewatch', options: `-c lock_timeout=${lockMs}`,
    keepAlive: true,
  });
  // A client that loses its server (PostgreSQL restarted) emits 'error': an idle one on the
  // pool, a checked-out one on itself (its query fails too, which is what we act on). Without
  // a listener either would kill the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

/**
 * True when the database could not be reached or went away mid-transaction (server restart,
 * shutdown, network): nothing was committed, and the same batch can be written later.
 */
export function isUnavailable(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  if (err.code && UNAVAILABLE_CODES.has(err.code)) return true;
  // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 08xxx connection exceptions.
  if (err.code && (/^57P0[123]$/.test(err.code) || err.code.startsWith('08'))) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(err.message ?? '');
}

/** Another transaction was in the way (serialization failure, deadlock): try the batch again. */
export function isConflict(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === '40001' || code === '40P01' || code === '55P03';
}

/** Runs `f` in one transaction on one client: committed when it returns, rolled back when it throws. */
export async function inTransaction<T>(pool: Pool, f: (c: Client) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken = false;
  try {
    await c.query('BEGIN');
    const r = await f(c);
    await c.query('COMMIT');
    return r;
  } catch (e) {
    broken = isUnavailable(e);
    if (!broken) await c.query('ROLLBACK').catch(() => (broken = true));
    throw e;
  } finally {
    c.release(broken);
  }
}
