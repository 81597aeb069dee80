// Read positions: a file is known by the SHA-1 of its first bytes (up to 1 KiB), so a file
// keeps its identity through a rename and through gzip; its row says how far it was read.
import type { Db } from './db.ts';
import { fingerprintOf } from '../sources/read-lines.ts';

export interface Known {
  fingerprint: string;
  offset: number;
}

/** The saved position of the file that starts with `head`, if any. */
export function findKnown(db: Db, head: Buffer): Known | undefined {
  const rows = db.prepare('SELECT fingerprint, fp_len, offset FROM sources').all() as {
    fingerprint: string;
    fp_len: number;
    offset: number;
  }[];
  // The longest matching prefix: a short file that grew is still the same file.
  let best: (typeof rows)[number] | undefined;
  for (const r of rows) {
    if (r.fp_len > head.length || (best && best.fp_len >= r.fp_len)) continue;
    if (fingerprintOf(head.subarray(0, r.fp_len)) === r.fingerprint) best = r;
  }
  return best ? { fingerprint: best.fingerprint, offset: best.offset } : undefined;
}
