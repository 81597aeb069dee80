// The Store contract (contract.ts) on the embedded backend: SQLite files in a temporary
// directory; "another writer" is a second connection holding BEGIN IMMEDIATE.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll } from 'vitest';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { storeContract } from './contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'bw-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

storeContract('SQLite', {
  open: async () => openStore(join(dir, `${++n}.db`), { busyMs: 50 }),
  reopen: async (store: Store) => {
    await store.close();
    return openStore(store.location, { busyMs: 50 });
  },
  holdWriteLock: async (store: Store) => {
    const other = new Database(store.location);
    other.exec('BEGIN IMMEDIATE');
    return async () => {
      other.exec('COMMIT');
      other.close();
    };
  },
});
