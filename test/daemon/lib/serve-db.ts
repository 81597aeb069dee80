// What a serve test reads from serve's database while it runs (read-only): how many lines it has
// committed, whether its first checkpoint is in, and the gaps it recorded. Used to know when to
// act, and to check the gaps; the expected results never come from here.
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

export interface GapRow {
  path: string;
  file: string;
  reason: string;
  bytes: number;
  lines_read: number;
  did: string;
}

function read<T>(db: string, sql: string, fallback: T): T {
  if (!existsSync(db)) return fallback;
  let conn: Database.Database | undefined;
  try {
    conn = new Database(db, { readonly: true, fileMustExist: true });
    return conn.prepare(sql).all() as T;
  } catch {
    return fallback; // not migrated yet
  } finally {
    conn?.close();
  }
}

export const committedLines = (db: string): number =>
  read<{ n: number }[]>(db, 'SELECT coalesce(sum(total), 0) AS n FROM line_counts', [])[0]?.n ?? 0;

export const hasCheckpoint = (db: string): boolean => read<unknown[]>(db, 'SELECT 1 FROM follow_checkpoints', []).length > 0;

/** The checkpoint says the followed path has no file. */
export const checkpointAbsent = (db: string): boolean =>
  read<unknown[]>(db, 'SELECT 1 FROM follow_checkpoints WHERE source IS NULL', []).length > 0;

export const gapRows = (db: string): GapRow[] =>
  read<GapRow[]>(db, 'SELECT path, file, reason, bytes, lines_read, did FROM follower_gaps ORDER BY id', []);
