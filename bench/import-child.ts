// Child of bench/import.ts: imports FILE into a fresh SQLite DB with bouncewatch's pipeline and
// prints one JSON line {lines, seconds, maxRssKb, totals}; run alone so its peak RSS is its own.
import { rmSync } from 'node:fs';
import { Ingest } from '../src/ingest/ingest.ts';
import { importFile } from '../src/ingest/import-files.ts';
import { openDb } from '../src/store/db.ts';
import { CORPUS_YEAR } from './build-corpus.ts';

const [file, dbPath] = process.argv.slice(2);
if (!file || !dbPath) {
  console.error('usage: node --import tsx bench/import-child.ts FILE DB');
  process.exit(2);
}
for (const p of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) rmSync(p, { force: true });

const start = performance.now();
const db = openDb(dbPath);
const ingest = new Ingest(db, { internalNetworks: '127.0.0.1/32,::1/128' });
const { lines } = await importFile(db, ingest, file, { year: CORPUS_YEAR });
db.close(); // the WAL checkpoint on close is part of an import's cost
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ lines, seconds, maxRssKb: process.resourceUsage().maxRSS, totals: ingest.totals }));
