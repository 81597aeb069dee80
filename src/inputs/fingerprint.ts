// A file is known by the SHA-1 of its first bytes (up to 1 KiB), so it keeps its identity
// through a rename and through gzip. This module alone computes and matches fingerprints; the
// store only keeps them (store/sqlite/positions.ts).
import { createHash } from 'node:crypto';
import type { Known } from './position.ts';

/** How many leading bytes identify a file (fewer when the file is shorter). */
export const FINGERPRINT_BYTES = 1024;

export function fingerprintOf(head: Buffer): string {
  return createHash('sha1').update(head).digest('hex');
}

/**
 * The saved position of the file that starts with `head`: the longest saved prefix that
 * matches, since a short file that grew is still the same file.
 */
export function knownFileOf(saved: readonly Known[], head: Buffer): Known | undefined {
  let best: Known | undefined;
  for (const k of saved) {
    const len = k.fpLen ?? 0;
    // Files saved with no bytes (fpLen 0) are found by inode, never by content.
    if (len === 0 || len > head.length || (best && (best.fpLen ?? 0) >= len)) continue;
    if (fingerprintOf(head.subarray(0, len)) === k.fingerprint) best = k;
  }
  return best;
}
