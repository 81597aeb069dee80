// Read positions: a file is known by the SHA-1 of its first bytes (up to 1 KiB), so a file
// keeps its identity through a rename and through gzip; its row says how far it was read. A
// followed path's checkpoint names the file that was live there, even one with no bytes yet.
import type { Db } from './db.ts';
import { fingerprintOf } from '../sources/read-lines.ts';
import type { Checkpoint, Known } from '../sources/position.ts';

export type { Known } from '../sources/position.ts';

/** The saved position of the file that starts with `head`, if any. */
export function findKnown(db: Db, head: Buffer): Known | undefined {
  // Rows of files that had no bytes (fp_len 0) are found by inode, never by content.
  const rows = db.prepare('SELECT fingerprint, fp_len, offset, lines, year_state FROM sources WHERE fp_len > 0').all() as {
    fingerprint: string;
    fp_len: number;
    offset: number;
    lines: number;
    year_state: number | null;
  }[];
  // The longest matching prefix: a short file that grew is still the same file.
  let best: (typeof rows)[number] | undefined;
  for (const r of rows) {
    if (r.fp_len > head.length || (best && best.fp_len >= r.fp_len)) continue;
    if (fingerprintOf(head.subarray(0, r.fp_len)) === r.fingerprint) best = r;
  }
  if (!best) return undefined;
  return { fingerprint: best.fingerprint, offset: best.offset, fpLen: best.fp_len, lines: best.lines, ...(best.year_state !== null ? { yearState: best.year_state } : {}) };
}

/** The checkpoint the last run of `serve` committed for a followed path; none on a first start. */
export function loadCheckpoint(db: Db, path: string): Checkpoint | undefined {
  const row = db.prepare(`SELECT c.since, c.looked_at, s.fingerprint, s.fp_len, s.offset, s.lines, s.path, s.dev, s.ino,
      s.birth_ms, s.size FROM follow_checkpoints c LEFT JOIN sources s ON s.fingerprint = c.source WHERE c.path = ?`).get(path) as
    | { since: number; looked_at: number; fingerprint: string | null; fp_len: number; offset: number; lines: number; path: string;
        dev: number | null; ino: number | null; birth_ms: number | null; size: number | null }
    | undefined;
  if (!row) return undefined;
  const { since, looked_at: lookedAt, fingerprint } = row;
  if (fingerprint === null) return { since, lookedAt };
  return {
    since, lookedAt,
    file: { fingerprint, fpLen: row.fp_len, offset: row.offset, lines: row.lines, path: row.path, dev: row.dev, ino: row.ino, birthMs: row.birth_ms, size: row.size },
  };
}

/** Gaps the followers reported (lines they could not read), by reason. */
export function countGaps(db: Db): Record<string, number> {
  const rows = db.prepare('SELECT reason, count(*) AS n FROM follower_gaps GROUP BY reason').all() as { reason: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
}
