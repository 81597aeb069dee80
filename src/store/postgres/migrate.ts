// Forward-only migrations for PostgreSQL: migrations/postgres/NNNN_name.sql, applied in order,
// each in its own transaction, recorded in schema_migrations. Several agents starting at once
// take turns on one advisory lock, so each migration runs exactly once; a database newer than
// this program is refused, as with SQLite.
import { join } from 'node:path';
import { MIGRATIONS_DIR } from '../../paths.ts';
import { loadMigrations, refuseNewer } from '../sqlite/migrate.ts';
import { inTransaction, type Pool } from './pg.ts';

export const PG_MIGRATIONS_DIR = join(MIGRATIONS_DIR, 'postgres');

/** The advisory lock key of schema changes (any fixed 64-bit number; "bw-migr" in ASCII). */
const MIGRATION_LOCK = 0x62772d6d69;

export async function migratePostgres(pool: Pool, migrations = loadMigrations(PG_MIGRATIONS_DIR)): Promise<number> {
  return inTransaction(pool, async (c) => {
    // Held to the end of this transaction: a second agent waits here (however long the first
    // one's migrations take: no lock timeout), then finds nothing to do.
    await c.query('SET LOCAL lock_timeout = 0');
    await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)');
    const applied = new Set((await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    refuseNewer(applied, migrations);
    let count = 0;
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      // One transaction for all: PostgreSQL's DDL is transactional, so a failed migration
      // leaves the schema as it was, and the lock is held across them all.
      await c.query(m.sql);
      await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
      count++;
    }
    return count;
  });
}
