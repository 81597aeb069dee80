// A position store for follower tests with the store's rules (src/store/sqlite/positions.ts): a file is
// found by the longest saved fingerprint that prefixes its head, and the path's checkpoint names
// its live file (or its absence) with the time serve first followed it.
import type { Checkpoint, Known, Position } from '../../../src/inputs/position.ts';
import { fingerprintOf } from '../../../src/inputs/fingerprint.ts';

type Row = Omit<Position, 'fingerprint'>;

export class Positions {
  readonly rows = new Map<string, Row>();
  private cp: { key: string | null; since: number; lookedAt: number } | undefined;

  find = (head: Buffer): Known | undefined => {
    let best: { fp: string; row: Row } | undefined;
    for (const [fp, row] of this.rows) {
      if (row.fpLen === 0 || row.fpLen > head.length || (best && best.row.fpLen >= row.fpLen)) continue;
      if (fingerprintOf(head.subarray(0, row.fpLen)) === fp) best = { fp, row };
    }
    return best ? { fingerprint: best.fp, offset: best.row.offset, fpLen: best.row.fpLen, lines: best.row.lines } : undefined;
  };

  /** What a commit right after this position would write. */
  save(at: Position, since: number): void {
    if (!at.absent) {
      if (at.replaces !== undefined && at.replaces !== at.fingerprint) this.rows.delete(at.replaces);
      const old = this.rows.get(at.fingerprint);
      this.rows.set(at.fingerprint, { ...old, ...at });
    }
    if (at.live) this.cp = { key: at.absent ? null : at.fingerprint, since: this.cp?.since ?? since, lookedAt: Date.now() };
  }

  checkpoint(): Checkpoint | undefined {
    if (!this.cp) return undefined;
    const row = this.cp.key === null ? undefined : this.rows.get(this.cp.key);
    const { since, lookedAt } = this.cp;
    if (!row || this.cp.key === null) return { since, lookedAt };
    return {
      since, lookedAt,
      file: { fingerprint: this.cp.key, fpLen: row.fpLen, offset: row.offset, lines: row.lines, path: row.path,
        dev: row.dev ?? null, ino: row.ino ?? null, birthMs: row.birthMs ?? null, size: row.size ?? null },
    };
  }
}
