// Connecting to PostgreSQL as a fleet does, on a real PostgreSQL 15: libpq's PGPASSWORD is
// honoured (a role with a password, scram-sha-256), a wrong password is a clear error, a
// database that is not there is StoreUnavailableError (serve waits for it), a log line with a
// NUL byte is kept (as U+FFFD), several agents
// starting at once apply each migration exactly once, and a URL of another scheme stops
// start-up naming the key.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/store/open.ts';
import { PG_MIGRATIONS_DIR } from '../../src/store/postgres/migrate.ts';
import { StoreUnavailableError } from '../../src/store/store.ts';
import { postgresMissing, startPostgres, type Postgres } from '../lib/postgres.ts';
import { importInto } from '../lib/store.ts';

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
    // Each file of migrations/postgres, once.
    const files = readdirSync(PG_MIGRATIONS_DIR).filter((f) => /^\d{4}_.*\.sql$/.test(f)).sort();
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(pg.psql(db, 'SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version').trim().split('\n'))
      .toEqual(files.map((f) => `${Number(f.slice(0, 4))}|1`));
  });

  it('keeps a log line with a NUL byte (PostgreSQL text holds none: it becomes U+FFFD)', async () => {
    const log = join(pg.dir, 'nul.log');
    const q = 'A1B2C3D4E5';
    writeFileSync(log, [
      `Dec  3 10:00:00 mx1 postfix/smtpd[1]: ${q}: client=unknown[192.0.2.1]`,
      `Dec  3 10:00:01 mx1 postfix/cleanup[2]: ${q}: message-id=<a\u0000b@example.org>`,
      `Dec  3 10:00:02 mx1 postfix/qmgr[3]: ${q}: from=<x@example.org>, size=1, nrcpt=1 (queue active)`,
      `Dec  3 10:00:03 mx1 postfix/local[4]: ${q}: to=<u@ours.example>, relay=local, delay=1, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered)`,
      `Dec  3 10:00:04 mx1 postfix/qmgr[3]: ${q}: removed`,
    ].join('\n') + '\n');
    const store = await openStore(await pg.database('nul'), { agent: 'a' });
    try {
      await importInto(store, [log], { internalNetworks: '127.0.0.1/32', year: 2026 });
      const t = await store.messageTrace('mx1', q);
      expect(t?.message.message_id).toBe('a\uFFFDb@example.org');
      expect(t?.lines).toHaveLength(5);
      expect(t?.lines[1]).toContain('<a\uFFFDb@example.org>');
    } finally {
      await store.close();
    }
  });

  it('stops start-up naming the key for a URL that is not PostgreSQL', () => {
    expect(() => loadConfig({ env: { BOUNCEWATCH_DB: 'mysql://x@y/z' }, listening: false })).toThrow(/db/);
  });
});
