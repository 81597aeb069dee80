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
  /** Lines read, or undefined when rotation moved the file since it was listed. */
  readRotated(g: Generation, from: Known | undefined): Promise<number | undefined>;
  gap(g: Omit<Gap, 'path'>): void;
  note(level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>): void;
}

type SavedFile = NonNullable<Checkpoint['file']>;
type List = () => Promise<Generation[]>;

/** Looks at the generations again when logrotate is at work while we read them. */
const LOOKS = 5;
const RELOOK_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The checkpoint's file: by its first bytes once it had some, else (plain files only) by its inode. */
function isSaved(g: Generation, saved: SavedFile): boolean {
  return saved.fpLen > 0 ? startsWith(g.head, saved.fingerprint, saved.fpLen) : !g.gz && sameInode(g, saved);
}

function sameInode(g: Generation, saved: SavedFile): boolean {
  return saved.ino !== null && sameFile(g, { dev: saved.dev ?? -1, ino: saved.ino, birthMs: saved.birthMs ?? 0 });
}

/** One pass over a list; false when a file moved under it (what was read is known now: list again). */
async function readPass(r: StartReader, files: Generation[], saved: SavedFile | undefined): Promise<boolean> {
  for (const g of files) {
    if (g.live || g.head.length === 0) continue;
    const k = r.known(g.head);
    // A plain file is read on where it grew past its position. A compressed one is read (which
    // means decompressing it) only when it is the checkpoint's file: older ones were finished.
    const read = k ? (g.gz ? saved !== undefined && isSaved(g, saved) : g.size !== k.offset) : g.mtimeMs >= r.since - CLOCK_SLACK_MS;
    if (read && (await r.readRotated(g, k)) === undefined) return false;
  }
  return true;
}

/**
 * `list` gives the rotated generations oldest first, then the live file (which the follower opens
 * itself afterwards, from its saved position or its start). Returns the saved position when the
 * checkpoint's file is the live one: if it is rotated away before the follower opens it, the
 * follower must still read it on from there.
 */
export async function startFromCheckpoint(r: StartReader, list: List, cp: Checkpoint): Promise<Known | undefined> {
  const saved = cp.file;
  let files = await list();
  // logrotate may be at work right now (a copy made but not listed yet): look again before
  // taking the checkpoint's file for gone.
  for (let i = 1; i < LOOKS && saved && !files.some((g) => isSaved(g, saved)); i++) {
    await sleep(RELOOK_MS);
    files = await list();
  }
  // Judged before reading (once read, every generation is known): a compressed generation written
  // since we looked, or one still empty (the file compressed as we saw it: nothing lost).
  const compressedSinceLook = files.some((g) => g.gz && (g.head.length === 0 || (!r.known(g.head) && g.mtimeMs >= cp.lookedAt - CLOCK_SLACK_MS)));
  for (let i = 1; i < LOOKS && !(await readPass(r, files, saved)); i++) files = await list();
  if (!saved) return undefined;
  if (files.some((g) => isSaved(g, saved))) return saved.fpLen > 0 && files.some((g) => g.live && isSaved(g, saved)) ? saved : undefined;
  // An empty file has no first bytes to find it by once compressed: a compressed generation
  // written since we looked is taken to be it (and was read whole, as it is unknown).
  if (saved.fpLen === 0 && compressedSinceLook) {
    r.note('info', 'the empty file of the checkpoint is not found by its inode: a compressed generation written since was read as its successor', { file: saved.path });
    return undefined;
  }
  const replaced = files.find((g) => !g.gz && sameInode(g, saved));
  r.gap({
    file: replaced?.path ?? saved.path,
    reason: replaced ? 'replaced' : 'gone',
    bytes: Math.max(0, (saved.size ?? saved.offset) - saved.offset),
    linesRead: saved.lines,
    did: 'read the generations written since, and the live file, as usual',
  });
  return undefined;
}

/**
 * No checkpoint (a first start, or a database from before checkpoints): the newest generation
 * with a saved position (from `import`, or an older serve) is read from there and every newer one
 * from its saved position or its start. Without one, history is left to `import`.
 */
export async function legacyStart(r: StartReader, list: List): Promise<void> {
  for (let pass = 0; pass < LOOKS; pass++) {
    const rotated = (await list()).filter((g) => !g.live && g.head.length > 0);
    let from = rotated.length - 1;
    while (from >= 0 && !r.known(rotated[from]!.head)) from--;
    if (from < 0) return;
    let moved = false;
    for (const g of rotated.slice(from)) {
      const k = r.known(g.head);
      if ((!k || g.gz || g.size !== k.offset) && (await r.readRotated(g, k)) === undefined) {
        moved = true;
        break;
      }
    }
    if (!moved) return;
  }
}
