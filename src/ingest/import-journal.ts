// `bouncewatch import --journal` and `--journal-file`: reads journal entries through journalctl
// into the pipeline, in batches like a file import, each batch committed with the journal
// positions it reached. Importing again adds nothing: an entry at or before the highest number
// stored for its journal sequence was read before, whichever source read it.
import { entryOf, type JournalMatch } from '../inputs/journal-entry.ts';
import { journalArgs, readJournal, type JournalSource } from '../inputs/journal-reader.ts';
import { LineParser } from '../parse/line.ts';
import type { Store } from '../store/store.ts';
import type { JournalPosition } from '../store/types.ts';
import type { Ingest } from './ingest.ts';

const BUSY_RETRY_MS = 250;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface JournalImportOptions {
  /** Journal files from another host; with neither these nor `directory`, this machine's journal. */
  files?: readonly string[];
  directory?: string;
  since?: number;
  match: JournalMatch;
  batchLines?: number;
  onProgress?: (entries: number) => void;
  /** The journalctl to run (tests). */
  journalctl?: string;
}

export interface JournalResult {
  /** `journal`, `journal:DIR` or `journal-file`. */
  source: string;
  /** Mail entries imported. */
  entries: number;
  /** Mail entries skipped: imported before. */
  skipped: number;
}

/** The source name a position is stored under. */
export function journalSourceOf(o: { files?: readonly string[]; directory?: string }): string {
  if (o.files !== undefined && o.files.length > 0) return 'journal-file';
  return o.directory !== undefined ? `journal:${o.directory}` : 'journal';
}

/** The highest entry number stored per journal sequence, over every source. */
async function readTo(store: Store): Promise<Map<string, number>> {
  const to = new Map<string, number>();
  for (const p of await store.journalPositions()) to.set(p.seqnumId, Math.max(to.get(p.seqnumId) ?? 0, p.seqnum));
  return to;
}

export async function importJournal(store: Store, ingest: Ingest, opts: JournalImportOptions): Promise<JournalResult> {
  const batch = opts.batchLines ?? 20_000;
  const source = journalSourceOf(opts);
  const src: JournalSource = { match: opts.match, ...(opts.files ? { files: opts.files } : {}), ...(opts.directory !== undefined ? { directory: opts.directory } : {}), ...(opts.since !== undefined ? { since: opts.since } : {}) };
  const seen = await readTo(store);
  // Journal lines are RFC 3339: the parser has no year to guess.
  const parser = new LineParser();
  const result: JournalResult = { source, entries: 0, skipped: 0 };
  let reached = new Map<string, JournalPosition>();
  let pending = 0;
  const commit = async () => {
    let written = await ingest.commitAt({ journal: [...reached.values()] });
    // Another process (a `report` refreshing the rollups) holds the database: wait for it.
    while (!written) {
      await sleep(BUSY_RETRY_MS);
      written = await ingest.retry();
    }
    reached = new Map();
    pending = 0;
  };
  for await (const chunk of readJournal(journalArgs(src), opts.journalctl)) {
    for (const json of chunk) {
      const e = entryOf(json, opts.match);
      if (!e) continue;
      if (e.at.seqnum <= (seen.get(e.at.seqnumId) ?? 0)) {
        result.skipped++;
        continue;
      }
      seen.set(e.at.seqnumId, e.at.seqnum);
      reached.set(e.at.seqnumId, { source, ...e.at });
      ingest.line(parser, e.line);
      result.entries++;
      pending++;
    }
    if (pending >= batch) {
      await commit();
      opts.onProgress?.(result.entries);
    }
  }
  await commit();
  return result;
}
