// Connecting to PostgreSQL as a fleet does, on a real PostgreSQL 15: libpq's PGPASSWORD is
// honoured (a role with a password, scram-sha-256), a wrong password is a clear error, a
// database that is not there is StoreUnavailableError (serve waits for it), several agents
// starting at once apply each migration exactly once, and a URL of another scheme stops
// start-up naming the key.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/store/open.ts';
import { StoreUnavailableError } from '../../src/store/store.ts';
import { postgresMissing, startPostgres, type Postgres } from '../lib/postgres.ts';

const missing = postgresMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs PostgreSQL: ${missing}`);

(missing ? describe.skip : describe)(`connecting to PostgreSQL${missing ? ` (${missing})` : ''}`, () => {
  let pg: Postgres;
  beforeAll(async () => {
    pg = await startPostgres();
    // A role that must give a password over TCP; every other connection stays trusted.
    pg.psql('postgres', "CREATE ROLE fleet LOGIN PASSWORD 's3cret-pass'");
    const hba = join(pg.dir, 'data', 'pg_hba.conf');
    writeFileSync(hba, `host all fleet 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`);
    pg.psql('postgres', 'SELECT pg_reload_conf()');
  }, 60_000);
  afterAll(() => pg?.stop());

  it('takes the password from PGPASSWORD, and says so when it is wrong', async () => {
    const db = (await pg.database('pw')).split('/').pop()!;
    pg.psql(db, 'GRANT ALL ON SCHEMA public TO fleet');
    const url = `postgres://fleet@127.0.0.1:${pg.port}/${db}`;
    const saved = process.env.PGPASSWORD;
    try {
      process.env.PGPASSWORD = 'wrong';
      await expect(openStore(url, { agent: 'a' })).rejects.toThrow(/password authentication failed for user "fleet"/);
      process.env.PGPASSWORD = 's3cret-pass';
      const store = await openStore(url, { agent: 'a' });
      expect(store.location).toBe(url);
      expect(await store.messageCount()).toBe(0);
      await store.close();
    } finally {
      if (saved === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = saved;
    }
  });

  it('never shows a password written in the URL', async () => {
    const db = (await pg.database('shown')).split('/').pop()!;
    pg.psql(db, 'GRANT ALL ON SCHEMA public TO fleet');
    const store = await openStore(`postgres://fleet:s3cret-pass@127.0.0.1:${pg.port}/${db}`, { agent: 'a' });
    expect(store.location).not.toContain('s3cret');
    expect(store.location).toBe(`postgres://fleet:…@127.0.0.1:${pg.port}/${db}`);
    await store.close();
  });

  it('is StoreUnavailableError when nothing listens there', async () => {
    await expect(openStore('postgres://bw@127.0.0.1:1/none', { agent: 'a' })).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('applies each migration once when several agents start together', async () => {
    const url = await pg.database('together');
    const stores = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((agent) => openStore(url, { agent })));
    await Promise.all(stores.map((s) => s.close()));
    const db = url.split('/').pop()!;
    expect(pg.psql(db, 'SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version').trim()).toBe('1|1');
  });

  it('stops start-up naming the key for a URL that is not PostgreSQL', () => {
    expect(() => loadConfig({ env: { BOUNCEWATCH_DB: 'mysql://x@y/z' }, listening: false })).toThrow(/db/);
  });
});
