// The Store contract (contract.ts) on PostgreSQL: a real PostgreSQL 15 (test/lib/postgres.ts),
// a database per test; "another writer" is a second connection holding a lock on a table every
// batch writes, so the batch waits past its lock timeout and fails as busy.
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { postgresMissing, startPostgres, type Postgres } from '../lib/postgres.ts';
import { storeContract } from './contract.ts';

const missing = postgresMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs PostgreSQL: ${missing}`);

let server: Postgres;
const urls = new Map<Store, string>();

if (missing) {
  describe.skip(`Store contract: PostgreSQL (${missing})`, () => it('needs PostgreSQL', () => {}));
} else {
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(() => server?.stop());

  const open = async (url: string) => {
    const store = await openStore(url, { agent: 'contract', busyMs: 200 });
    urls.set(store, url);
    return store;
  };
  storeContract('PostgreSQL', {
    open: async () => open(await server.database('contract')),
    reopen: async (store: Store) => {
      await store.close();
      return open(urls.get(store)!);
    },
    holdWriteLock: async (store: Store) => {
      const other = new pg.Client({ connectionString: urls.get(store)! });
      await other.connect();
      await other.query('BEGIN');
      await other.query('LOCK TABLE ingest_clock IN EXCLUSIVE MODE');
      return async () => {
        await other.query('COMMIT');
        await other.end();
      };
    },
  });
}
