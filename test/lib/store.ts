// Test doors into the store: open an SQLite store on a file (its better-sqlite3 handle stays
// reachable for tests that look at rows), import files through the real pipeline, and collect
// what the async read queries give.
import { Ingest, type IngestOptions } from '../../src/ingest/ingest.ts';
import { importFile, type ImportOptions } from '../../src/ingest/import-files.ts';
import type { MessageRecord } from '../../src/correlate/record.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import type { MessageFilter, Period } from '../../src/store/types.ts';

/** An SQLite store; `.db` is its connection, for tests that read or write rows directly. */
export function openTestStore(path: string, opts: { readonly?: boolean; busyMs?: number } = {}): SqliteStore {
  return new SqliteStore(path, opts);
}

/** `bouncewatch import` of these files into the store (with the rollups refreshed, as the CLI does). */
export async function importInto(store: Store, files: readonly string[], opts: IngestOptions & ImportOptions = { internalNetworks: '127.0.0.1/32' }): Promise<Ingest> {
  const ingest = await Ingest.open(store, opts);
  for (const f of files) await importFile(store, ingest, f, opts);
  await store.refreshRollups();
  return ingest;
}

/** Every message of the period (all stored time when none is given), as `messages --json` lists them. */
export async function allMessages(store: Store, f: MessageFilter = {}, p?: Period): Promise<MessageRecord[]> {
  const out: MessageRecord[] = [];
  for await (const m of store.messages(p ?? (await store.period()), f)) out.push(m);
  return out;
}
