// Opens the store a location names: a file path is an SQLite database (the embedded default).
// Network databases (postgres://) are the fleet's (issue 16) and refused here by name until then.
import type { Store } from './store.ts';
import { SqliteStore, type SqliteOptions } from './sqlite/sqlite-store.ts';
import { lockDatabase, type Lock, type LockOptions } from './sqlite/writer-lock.ts';

export class StoreLocationError extends Error {}

function sqlitePath(location: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new StoreLocationError(`db: "${location.replace(/\/\/[^@/]*@/, '//…@')}" is not a file path; only SQLite files are supported in this version`);
  }
  return location;
}

export function openStore(location: string, opts: SqliteOptions = {}): Store {
  return new SqliteStore(sqlitePath(location), opts);
}

/** The one-writer lock of a store (one serve; imports wait for each other): a lock file beside an SQLite file. */
export function lockStore(location: string, opts: LockOptions): Promise<Lock> {
  return lockDatabase(sqlitePath(location), opts);
}
