// Follows one live log file by byte offset: complete lines only, each position tied to its file
// by inode and a fingerprint of its first bytes. Survives rename rotation (finishes the old file
// first), copytruncate (reads the unread rest from the copy, wherever rotation has moved it),
// delete-and-recreate, and a restart after rotations (start-up.ts). What it cannot read, it reports.
import { stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { CLOCK_SLACK_MS, idOf, listGenerations, sameFile, startsWith, type Generation } from './generations.ts';
import { OpenFile, openFile, type FileEvents } from './open-file.ts';
import type { Checkpoint, Gap, Known, Position } from './position.ts';
import { FINGERPRINT_BYTES, fingerprintOf } from './fingerprint.ts';
import { readLines } from './read-lines.ts';
import { legacyStart, startFromCheckpoint } from './start-up.ts';

export type { Position } from './position.ts';

export interface FollowerEvents {
  /** Lines in order, with the position just after the last of them (none: a checkpoint). Synchronous. */
  lines(lines: string[], at: Position): void;
  /** Something an operator should know: rotation seen, a line cut. */
  note(level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>): void;
  /** Lines that could not be read; a position is always handed over after it. */
  gap(gap: Gap): void;
}

export interface FollowerOptions {
  /** Where the saved position of the file starting with these bytes is, if any. */
  find(head: Buffer): Known | undefined;
  /** The path's checkpoint from the last run; none on a first start. */
  checkpoint?: Checkpoint | undefined;
  readBytes?: number;
  /** A line longer than this is cut, so one endless line cannot eat memory. */
  maxLine?: number;
  /** How long a renamed-away file is still read for late lines. */
  drainMs?: number;
}

/** A rotated-away file kept open a little longer: syslog writes to it until it is told to reopen. */
interface Draining {
  file: OpenFile;
  until: number;
}

/** How many files read in this run are remembered (their positions may not be committed yet). */
const SEEN_MAX = 256;
/** How many times the generations are listed again when rotation moves a file while we read them. */
const LOOKS = 5;
const RELOOK_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Follower {
  /** When serve first followed this path: generations written since then are ours to read. */
  readonly since: number;
  private cur: OpenFile | undefined;
  private draining: Draining[] = [];
  private readonly seen = new Map<string, { fpLen: number; offset: number; lines: number }>();
  private absentSaid = false;
  private readonly drainMs: number;
  private readonly limits;
  private readonly fileEvents: FileEvents;

  constructor(readonly path: string, private readonly opts: FollowerOptions, private readonly on: FollowerEvents) {
    this.limits = { readBytes: opts.readBytes ?? 1 << 20, maxLine: opts.maxLine ?? 1 << 20 };
    this.drainMs = opts.drainMs ?? 5000;
    this.since = opts.checkpoint?.since ?? Date.now();
    this.fileEvents = { lines: (lines, f) => this.emit(lines, this.positionOf(f)), note: (l, m, f) => on.note(l, m, f) };
  }

  /** Catch up with what was written while we were stopped (start-up.ts), then open the live file. */
  async start(): Promise<void> {
    const list = () => listGenerations(this.path, true);
    let expected: Known | undefined;
    if (this.opts.checkpoint) expected = await startFromCheckpoint(this, list, this.opts.checkpoint);
    else await legacyStart(this, list);
    await this.openLive(false, expected);
  }

  /** One look at the file: read what is new, handle rotation. True when lines were read. */
  async poll(): Promise<boolean> {
    const drained = await this.drain(false, true);
    if (!this.cur) {
      await this.openLive(false);
      if (!this.cur) return drained;
    }
    const o = this.cur;
    const size = await o.size();
    // copytruncate: the size went down, or the file already grew past us again with new content,
    // which its first bytes give away.
    if (size < o.readTo || !(await o.sameHead())) return this.truncated();
    // The first bytes of a file we saw empty: anything rotated away before them is older (a copy
    // of this file's first content, when it was copytruncated before we read a byte).
    if (o.fpLen === 0 && size > 0) await this.catchUp();
    const st = await stat(this.path).catch(() => undefined);
    const grew = size > o.readTo;
    if (grew && !(await o.read(size, false))) return this.truncated();
    // Renamed away, deleted and recreated, or deleted for good: switch once the old file has
    // stopped growing for a poll, but keep reading it for a while: syslog writes to it until its HUP.
    const away = st ? !sameFile(idOf(st), o.id) : (await o.fh.stat()).nlink === 0;
    if (away && !grew && size === o.lastSize) {
      await this.switchAfterRename(o);
      return true;
    }
    o.lastSize = size;
    return grew || drained;
  }

  /** Stops: complete lines still unread in open files are handed over, nothing is finished. */
  async close(): Promise<void> {
    await this.drain(true, false);
    await this.cur?.close();
    this.cur = undefined;
  }

  /** SIGHUP: look at the path afresh; a file that is no longer there is drained. */
  async reopenOnSignal(): Promise<void> {
    const st = await stat(this.path).catch(() => undefined);
    if (this.cur && st && sameFile(idOf(st), this.cur.id)) return;
    if (this.cur) {
      await this.cur.read(await this.cur.size(), false);
      this.draining.push({ file: this.cur, until: Date.now() + this.drainMs });
      this.cur = undefined;
    }
    await this.openLive(true);
  }

  /** The saved (or, in this run, reached) position of the content starting with `head`: the longest match. */
  known(head: Buffer): Known | undefined {
    let best = head.length > 0 ? this.opts.find(head) : undefined;
    for (const [key, s] of this.seen) {
      if (s.fpLen === 0 || s.fpLen > head.length || (best && (best.fpLen ?? 0) > s.fpLen)) continue;
      if (!startsWith(head, key, s.fpLen)) continue;
      if (!best || (best.fpLen ?? 0) < s.fpLen || best.offset <= s.offset) best = { fingerprint: key, ...s };
    }
    return best;
  }

  gap(g: Omit<Gap, 'path'>): void {
    this.on.gap({ path: this.path, ...g });
  }

  note(level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>): void {
    this.on.note(level, msg, fields);
  }

  /**
   * Reads a rotated generation from a saved position (or its start); returns the lines read, or
   * undefined when rotation has moved it since it was listed (list again). A plain one is kept
   * open and drained like a renamed file, for late lines.
   */
  async readRotated(g: Generation, from: Known | undefined): Promise<number | undefined> {
    const o = await openFile(g.path, g);
    if (!o) return undefined;
    const offset = from?.offset ?? 0;
    const before = from?.lines ?? 0;
    if (!g.gz) {
      if (o.size < offset) this.shorter(g.path, offset, o.size, before);
      const f = OpenFile.of(o, g.path, { offset: Math.min(offset, o.size), lines: before, previous: from?.fingerprint }, this.limits, this.fileEvents);
      await f.read(o.size, false);
      this.draining.push({ file: f, until: Date.now() + this.drainMs });
      return f.lines - before;
    }
    const fp = { fingerprint: fingerprintOf(g.head), fpLen: Math.min(g.head.length, FINGERPRINT_BYTES) };
    const replaces = from && from.fingerprint !== fp.fingerprint ? { replaces: from.fingerprint } : {};
    const length = { bytes: 0 };
    const raw = o.fh.createReadStream({ start: 0 });
    let n = before;
    try {
      for await (const chunk of readLines(raw.pipe(createGunzip()), offset, length)) {
        n += chunk.lines.length;
        this.emit(chunk.lines, { ...fp, path: g.path, offset: chunk.end, lines: n, ...replaces });
      }
    } catch (e) {
      // A .gz still being written: the lines before the damage are in; its plain twin or the next look has the rest.
      this.note('warn', 'could not read a compressed generation to its end', { file: g.path, error: (e as Error).message });
      return n - before;
    } finally {
      raw.destroy();
    }
    if (length.bytes < offset) this.shorter(g.path, offset, length.bytes, before);
    if (n > before) this.note('info', 'caught up from a rotated generation', { file: g.path, lines: n - before });
    return n - before;
  }

  private shorter(file: string, offset: number, size: number, linesRead: number): void {
    this.gap({ file, reason: 'shorter', bytes: offset - size, linesRead, did: 'read on from its current end' });
  }

  /**
   * Reads the rotated generations rotated past us between two looks: those this run has no record
   * of and that were written since serve first followed the path, from their start, and plain ones
   * that grew past their saved position, from there. Open files (and `opening`) are skipped.
   */
  private async catchUp(opening?: OpenFile, expected?: Known): Promise<void> {
    for (let pass = 0; pass < LOOKS; pass++) {
      if (await this.catchUpOnce(opening, expected)) return;
    }
  }

  /** One pass of catchUp; false when a file moved under it (what was read is known now: look again). */
  private async catchUpOnce(opening?: OpenFile, expected?: Known): Promise<boolean> {
    for (const g of await listGenerations(this.path, false)) {
      if (g.head.length === 0 || this.isOpen(g, opening)) continue;
      const k = this.known(g.head);
      // `expected`: the live file of the checkpoint, rotated away (even compressed) before it was opened.
      const mine = expected !== undefined && startsWith(g.head, expected.fingerprint, expected.fpLen ?? 0);
      const read = k ? mine || (!g.gz && g.size > k.offset) : g.mtimeMs >= this.since - CLOCK_SLACK_MS;
      if (read && (await this.readRotated(g, k)) === undefined) return false;
    }
    return true;
  }

  /** A file we are reading through a descriptor, or a compressed copy of one. */
  private isOpen(g: Generation, opening?: OpenFile): boolean {
    const open = [...(this.cur ? [this.cur] : []), ...this.draining.map((d) => d.file), ...(opening ? [opening] : [])];
    return open.some((f) => (!g.gz && sameFile(g, f.id)) || startsWith(g.head, f.fingerprint, f.fpLen));
  }

  /** The old file goes to the draining list; the new one is opened (after what was rotated between). */
  private async switchAfterRename(old: OpenFile): Promise<void> {
    // Lines syslog wrote to the old file before its HUP come before the new file's first line,
    // also those that landed between our look at its size and our look at the path.
    await old.read(await old.size(), false);
    this.draining.push({ file: old, until: Date.now() + this.drainMs });
    this.cur = undefined;
    await this.openLive(true);
  }

  /** Reads late lines of rotated-away files; finishes them after their time (or all, at the end). */
  private async drain(all: boolean, finish: boolean): Promise<boolean> {
    let read = false;
    const keep: Draining[] = [];
    for (const d of this.draining) {
      const size = await d.file.size();
      if (size > d.file.readTo) {
        if (!(await d.file.read(size, false))) d.until = 0; // rewritten after rotation: nothing more of ours in it
        read = true;
      }
      if (all || Date.now() >= d.until) {
        if (finish && d.until > 0) await d.file.read(size, true);
        await d.file.close();
      } else {
        keep.push(d);
      }
    }
    this.draining = keep;
    return read;
  }

  /**
   * Opens the live file at its saved position (or its start) and names it in the checkpoint.
   * `expected`: the file start-up left to be opened here, from its saved position.
   */
  private async openLive(rotated: boolean, expected?: Known): Promise<void> {
    const o = await openFile(this.path);
    if (!o) {
      // Not there (yet): the checkpoint says so once; the next poll looks again.
      if (!this.absentSaid) this.emit([], { fingerprint: '', fpLen: 0, path: this.path, offset: 0, lines: 0, live: true, absent: true });
      this.absentSaid = true;
      return;
    }
    this.absentSaid = false;
    const k = this.known(o.head);
    if (k && k.offset > o.size) this.shorter(this.path, k.offset, o.size, k.lines ?? 0);
    const at = { offset: Math.min(k?.offset ?? 0, o.size), lines: k?.lines ?? 0, previous: k?.fingerprint };
    const f = OpenFile.of(o, this.path, at, this.limits, this.fileEvents);
    // A file we know nothing of: whatever was rotated away before it is older, and read first
    // (not this file itself, if a rename just made it a generation too).
    if (!k || (expected && k.fingerprint !== expected.fingerprint && !startsWith(o.head, expected.fingerprint, expected.fpLen ?? 0))) {
      await this.catchUp(f, expected);
    }
    this.cur = f;
    if (rotated) this.note('info', 'following the new file after rotation', { file: this.path });
    this.emit([], this.positionOf(f));
    if (o.size > f.offset && !(await f.read(o.size, false))) await this.truncated();
  }

  /**
   * copytruncate: the unread rest is in the copy, normally `.1`; when we were far behind it may
   * have been rotated further or compressed, so every generation is searched for our first bytes.
   * The generations written after it are then read, and the file itself from its start.
   */
  private async truncated(): Promise<boolean> {
    const o = this.cur!;
    this.cur = undefined;
    let recovered: number | undefined;
    // Looked for again when not found or moved meanwhile: logrotate may be renaming or
    // compressing it right now.
    for (let pass = 0; pass < LOOKS && recovered === undefined; pass++) {
      if (pass > 0) await sleep(RELOOK_MS);
      const copy = (await listGenerations(this.path, false)).find((g) => startsWith(g.head, o.fingerprint, o.fpLen) && !this.isOpen(g));
      if (copy) recovered = await this.readCopy(o, copy);
    }
    await o.close();
    if (recovered !== undefined) this.note('info', 'file was truncated (copytruncate)', { file: this.path, recoveredFromCopy: recovered });
    else this.gap({ file: this.path, reason: 'truncated', bytes: Math.max(0, o.lastSize - o.offset), linesRead: o.lines, did: 'read the file again from its start' });
    await this.openLive(true);
    return true;
  }

  /** The rest of a truncated file's content, from the copy a copytruncate made of it. */
  private async readCopy(o: OpenFile, g: Generation): Promise<number | undefined> {
    if (g.gz) return this.readRotated(g, { fingerprint: o.key, offset: o.offset, fpLen: o.fpLen, lines: o.lines });
    const c = await openFile(g.path, g);
    if (!c) return undefined;
    const copy = o.continueIn(c, g.path);
    await copy.read(c.size, true);
    await copy.close();
    return copy.lines - o.lines;
  }

  private positionOf(f: OpenFile): Position {
    return {
      fingerprint: f.key, fpLen: f.fpLen, path: f.path, offset: f.offset, lines: f.lines, ...f.id, size: f.lastSize,
      ...(f.previous !== undefined ? { replaces: f.previous } : {}), ...(f === this.cur ? { live: true } : {}),
    };
  }

  private emit(lines: string[], at: Position): void {
    if (!at.absent) {
      if (at.replaces !== undefined) this.seen.delete(at.replaces);
      this.seen.delete(at.fingerprint); // re-inserted last: the map keeps the most recent files
      this.seen.set(at.fingerprint, { fpLen: at.fpLen, offset: at.offset, lines: at.lines });
      if (this.seen.size > SEEN_MAX) this.seen.delete(this.seen.keys().next().value!);
    }
    this.on.lines(lines, at);
  }
}
