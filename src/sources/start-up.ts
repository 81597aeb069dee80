// A follower's start: catch up with what was written to the followed path while serve was
// stopped, from the checkpoint the last run committed. A generation with a saved position is read
// on from there; one with none is read whole when it was modified since serve first followed the
// path (older ones are history, left to `import`). The checkpoint's own file must turn up among
// them; when it does not, the lines lost are reported, never skipped in silence.
import { CLOCK_SLACK_MS, sameFile, startsWith, type Generation } from './generations.ts';
import type { Checkpoint, Gap, Known } from './position.ts';

export interface StartReader {
  readonly since: number;
  known(head: Buffer): Known | undefined;
  readRotated(g: Generation, from: Known | undefined): Promise<number>;
  gap(g: Omit<Gap, 'path'>): void;
  note(level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>): void;
}

type SavedFile = NonNullable<Checkpoint['file']>;

/** The checkpoint's file: by its first bytes once it had some, else (plain files only) by its inode. */
function isSaved(g: Generation, saved: SavedFile): boolean {
  return saved.fpLen > 0 ? startsWith(g.head, saved.fingerprint, saved.fpLen) : !g.gz && sameInode(g, saved);
}

function sameInode(g: Generation, saved: SavedFile): boolean {
  return saved.ino !== null && sameFile(g, { dev: saved.dev ?? -1, ino: saved.ino, birthMs: saved.birthMs ?? 0 });
}

/**
 * `files`: the rotated generations oldest first, then the live file (which the follower opens
 * itself afterwards, from its saved position or its start).
 */
export async function startFromCheckpoint(r: StartReader, files: Generation[], cp: Checkpoint): Promise<void> {
  const saved = cp.file;
  let placed = false;
  let compressedSinceLook = false;
  for (const g of files) {
    const mine = saved !== undefined && isSaved(g, saved);
    placed ||= mine;
    if (g.live || g.head.length === 0) continue;
    const k = r.known(g.head);
    if (k) {
      // A plain file is read on where it grew past its position. A compressed one is read (which
      // means decompressing it) only when it is the checkpoint's file: older ones were finished.
      if (g.gz ? mine : g.size !== k.offset) await r.readRotated(g, k);
    } else if (g.mtimeMs >= r.since - CLOCK_SLACK_MS) {
      if (g.gz && g.mtimeMs >= cp.lookedAt - CLOCK_SLACK_MS) compressedSinceLook = true;
      await r.readRotated(g, undefined);
    }
  }
  if (!saved || placed) return;
  if (saved.fpLen === 0 && compressedSinceLook) {
    // An empty file has no first bytes to find it by once compressed: a compressed generation
    // written since we looked is taken to be it (and was read whole, as it is unknown).
    r.note('info', 'the empty file of the checkpoint is not found by its inode: a compressed generation written since was read as its successor', { file: saved.path });
    return;
  }
  const replaced = files.find((g) => !g.gz && sameInode(g, saved));
  r.gap({
    file: replaced?.path ?? saved.path,
    reason: replaced ? 'replaced' : 'gone',
    bytes: Math.max(0, (saved.size ?? saved.offset) - saved.offset),
    linesRead: saved.lines,
    did: 'read the generations written since, and the live file, as usual',
  });
}

/**
 * No checkpoint (a first start, or a database from before checkpoints): the newest generation
 * with a saved position (from `import`, or an older serve) is read from there and every newer one
 * from its saved position or its start. Without one, history is left to `import`.
 */
export async function legacyStart(r: StartReader, files: Generation[]): Promise<void> {
  const rotated = files.filter((g) => !g.live && g.head.length > 0);
  let from = rotated.length - 1;
  while (from >= 0 && !r.known(rotated[from]!.head)) from--;
  if (from < 0) return;
  for (const g of rotated.slice(from)) {
    const k = r.known(g.head);
    if (!k || g.gz || g.size !== k.offset) await r.readRotated(g, k);
  }
}
