// Forward-only migrations: migrations/NNNN_name.sql applied in order at open, each in its own
// transaction, recorded in schema_migrations. A database newer than this program is refused.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_DIR } from '../../paths.ts';
import type Database from 'better-sqlite3';

export { MIGRATIONS_DIR };

interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f, sql: readFileSync(join(dir, f), 'utf8') }));
}

/** Refuses a database that has a migration this program does not know (it is newer). */
export function refuseNewer(applied: Iterable<number>, migrations: Migration[]): void {
  const newest = migrations.at(-1)?.version ?? 0;
  const ahead = [...applied].filter((v) => v > newest);
  if (ahead.length > 0) {
    throw new Error(`database has migration ${Math.max(...ahead)}, newer than this bouncewatch knows (${newest}); upgrade bouncewatch`);
  }
}

export function migrate(db: Database.Database, migrations = loadMigrations()): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  refuseNewer(applied, migrations);
  let count = 0;
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    })();
    count++;
  }
  return count;
}
