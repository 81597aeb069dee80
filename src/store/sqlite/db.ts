// Opens the SQLite database: WAL, NORMAL sync (a batch is one transaction), foreign keys,
// then migrations. Errors name the file so a postmaster knows which one is wrong.
import Database from 'better-sqlite3';
import { migrate } from './migrate.ts';

export type Db = Database.Database;

export class DbError extends Error {}

/** Is this SQLite's "another connection is writing" (after the busy timeout ran out)? */
export function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

/** `busyMs`: how long a statement waits for another writer before it fails as busy. */
export function openDb(path: string, opts: { readonly?: boolean; busyMs?: number } = {}): Db {
  let db: Db;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (e) {
    throw new DbError(`cannot open database ${path}: ${(e as Error).message}`);
  }
  try {
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma(`busy_timeout = ${opts.busyMs ?? 5000}`);
      db.pragma('foreign_keys = ON');
      migrate(db);
    }
  } catch (e) {
    db.close();
    throw new DbError(`cannot prepare database ${path}: ${(e as Error).message}`);
  }
  return db;
}
