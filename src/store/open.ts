// Opens the store a location names: a postgres:// URL is the fleet's shared database
// (postgres/), anything else a file path to an SQLite database (the embedded default).
import { hostname } from 'node:os';
import { StoreUnavailableError, type Store } from './store.ts';
import { lockAgent } from './postgres/agent-lock.ts';
import { isPostgresUrl, isUnavailable, redact } from './postgres/pg.ts';
import { PgStore } from './postgres/pg-store.ts';
import { SqliteStore, type SqliteOptions } from './sqlite/sqlite-store.ts';
import { lockDatabase, type Lock, type LockOptions } from './sqlite/writer-lock.ts';

export class StoreLocationError extends Error {}

export interface OpenOptions extends SqliteOptions {
  /** The agent a PostgreSQL store writes as (config key `agent`); the host name when not given. */
  agent?: string;
}

export { isPostgresUrl };

/** A location as it may be shown: a URL without its password. */
export const redactLocation = (location: string) => redact(location);

export const defaultAgent = () => hostname().split('.')[0] || 'localhost';

function sqlitePath(location: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new StoreLocationError(`db: "${redact(location)}" is neither a file path nor a postgres:// URL`);
  }
  return location;
}

/** A database that cannot be reached yet is StoreUnavailableError: the caller may wait for it. */
function reachable<T>(p: Promise<T>): Promise<T> {
  return p.catch((e: unknown) => {
    throw isUnavailable(e) ? new StoreUnavailableError(e) : e;
  });
}

export async function openStore(location: string, opts: OpenOptions = {}): Promise<Store> {
  if (isPostgresUrl(location)) {
    return reachable(PgStore.open(location, { agent: opts.agent ?? defaultAgent(), ...(opts.busyMs !== undefined ? { busyMs: opts.busyMs } : {}) }));
  }
  return new SqliteStore(sqlitePath(location), opts);
}

/**
 * The one-writer lock: a lock file beside an SQLite file (one serve; imports wait for each
 * other); on PostgreSQL one writer per agent name, many agents at once.
 */
export function lockStore(location: string, opts: LockOptions & { agent?: string }): Promise<Lock> {
  if (isPostgresUrl(location)) return reachable(lockAgent(location, opts.agent ?? defaultAgent(), opts));
  return lockDatabase(sqlitePath(location), opts);
}
