// What the follower hands over besides lines: the read position of a file (committed with the
// rows), the checkpoint it resumes from, and the gaps it could not read, which must never pass
// in silence.

/**
 * The read position reached in one file, identified by its content (and inode while plain): as
 * the follower (or import) hands it over, and as it is committed with the rows (the last three
 * fields are added on the way: the store keeps exactly this, see PositionWrite in src/store).
 */
export interface Position {
  /** The file's key: the fingerprint of its first bytes, or `empty:dev:ino:birth` before it has any. */
  fingerprint: string;
  fpLen: number;
  path: string;
  offset: number;
  /** Lines read from this file up to `offset`. */
  lines: number;
  /** A shorter key of the same file, from before it grew: its row is replaced. */
  replaces?: string;
  dev?: number;
  ino?: number;
  birthMs?: number;
  /** Bytes in the file when it was last looked at (plain files). */
  size?: number;
  /** This file is the live one of the followed path: the path's checkpoint names it. */
  live?: boolean;
  /** The followed path has no file (with `live`): the checkpoint says so. */
  absent?: boolean;
  /** serve: this is the live file of a followed path (`absent`: the path has no file; no position is written). */
  checkpoint?: { path: string; since: number; absent?: boolean };
  /** serve: lines a follower could not read, recorded with this position. */
  gaps?: Gap[];
  /** import: the year guesser's state at this position, for a resumed import. */
  yearState?: number;
}

/** What was saved for one file: where reading stopped. */
export interface Known {
  fingerprint: string;
  offset: number;
  fpLen?: number;
  lines?: number;
  /** import: the year guesser's state at this position (a resumed import goes on in that year). */
  yearState?: number;
}

/** A followed path's checkpoint, as the last commit left it. */
export interface Checkpoint {
  /** When serve first followed the path: anything written to its files since then is ours to read. */
  since: number;
  /** The last commit's time. */
  lookedAt: number;
  /** The file that was live at the path, or undefined when the path had none. */
  file?: Known & {
    fpLen: number;
    lines: number;
    /** The path it was read under. */
    path: string;
    dev: number | null;
    ino: number | null;
    birthMs: number | null;
    size: number | null;
  };
}

export type GapReason = 'gone' | 'replaced' | 'truncated' | 'shorter';

/** Data a follower could not account for: reported once at warn level, counted, committed. */
export interface Gap {
  /** The followed path. */
  path: string;
  /** The file (as last known) whose rest could not be read. */
  file: string;
  reason: GapReason;
  /** Unread bytes known to be lost: a lower bound, except for `shorter`. */
  bytes: number;
  /** Lines read from that file before the gap. */
  linesRead: number;
  /** What the follower did instead. */
  did: string;
}

export const GAP_MESSAGES: Record<GapReason, string> = {
  gone: 'lines lost: the file serve was reading is no longer among the log and its rotated generations',
  replaced: 'lines lost: the file serve was reading was truncated while serve was stopped, and no copy of it was found',
  truncated: 'lines lost: the file was truncated (copytruncate) and no copy of it was found',
  shorter: 'lines lost: the file is shorter than the position saved for it (truncated in place)',
};
