// `bouncewatch import`: reads files (plain, gzip) or stdin in the order given. Each file is
// known by a fingerprint of its first bytes, so importing it again (or its rotated, gzipped
// copy) resumes where the last import stopped and adds nothing twice.
import { stat } from 'node:fs/promises';
import { LineParser } from '../parse/line.ts';
import type { Store } from '../store/store.ts';
import { FINGERPRINT_BYTES, fingerprintOf, knownFileOf } from '../inputs/fingerprint.ts';
import { openStream, readHead, readLines } from '../inputs/read-lines.ts';
import type { Ingest } from './ingest.ts';

const BUSY_RETRY_MS = 250;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ImportOptions {
  /** The host name of Exim mainlog lines (config mainlog_host), which carry none. */
  mainlogHost?: string;
  year?: number;
  batchLines?: number;
  onProgress?: (path: string, lines: number) => void;
}

export interface FileResult {
  path: string;
  lines: number;
  skippedBytes: number;
}

export async function importFile(store: Store, ingest: Ingest, path: string, opts: ImportOptions): Promise<FileResult> {
  const batch = opts.batchLines ?? 20_000;
  let refTime = Date.now();
  let skip = 0;
  let source: { fingerprint: string; fpLen: number; previous?: string } | undefined;
  let yearState: number | undefined;
  if (path !== '-') {
    refTime = (await stat(path)).mtimeMs;
    const head = await readHead(path);
    const known = knownFileOf(await store.knownFiles(), head);
    skip = known?.offset ?? 0;
    yearState = known?.yearState;
    source = { fingerprint: fingerprintOf(head), fpLen: Math.min(head.length, FINGERPRINT_BYTES), previous: known?.fingerprint };
  }
  const parser = new LineParser({ year: opts.year, refTime: () => refTime, yearState, ...(opts.mainlogHost ? { mainlogHost: opts.mainlogHost } : {}) });
  let lines = 0;
  let pending = 0;
  let offset = skip;
  const commit = async () => {
    let written;
    if (source) {
      const at = parser.yearState;
      written = await ingest.commit({ fingerprint: source.fingerprint, fpLen: source.fpLen, path, offset, lines, replaces: source.previous, ...(at !== undefined ? { yearState: at } : {}) });
    } else {
      written = await ingest.commit();
    }
    // Another process (a `report` refreshing the rollups) holds the database: wait for it.
    while (!written) {
      await sleep(BUSY_RETRY_MS);
      written = await ingest.retry();
    }
    pending = 0;
  };
  for await (const chunk of readLines(await openStream(path), skip)) {
    for (const line of chunk.lines) ingest.line(parser, line);
    lines += chunk.lines.length;
    pending += chunk.lines.length;
    offset = chunk.end;
    if (pending >= batch) {
      await commit();
      opts.onProgress?.(path, lines);
    }
  }
  await commit();
  return { path, lines, skippedBytes: skip };
}
