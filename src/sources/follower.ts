// Follows one live log file by byte offset: complete lines only, the offset tied to the file
// by inode and a fingerprint of its first bytes. Survives rename rotation (finishes the old
// file first), copytruncate (reads the unread rest of `.1`), delete-and-recreate, and a restart
// after the file was rotated (catches up from the generation holding the saved position).
import { existsSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { FINGERPRINT_BYTES, fingerprintOf, openStream, readHead, readLines } from './read-lines.ts';
import type { Known } from '../store/positions.ts';

export interface Position {
  fingerprint: string;
  fpLen: number;
  path: string;
  offset: number;
  lines: number;
  replaces?: string;
}

export interface FollowerEvents {
  /** Lines in order, with the position just after the last of them. Called synchronously. */
  lines(lines: string[], at: Position): void;
  /** Something an operator should know: rotation seen, lines that could not be recovered. */
  note(level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>): void;
}

export interface FollowerOptions {
  /** Where the saved position of the file starting with these bytes is, if any. */
  find(head: Buffer): Known | undefined;
  readBytes?: number;
  /** A line longer than this is cut, so one endless line cannot eat memory. */
  maxLine?: number;
  /** How long a renamed-away file is still read for late lines. */
  drainMs?: number;
}

interface Open {
  fh: FileHandle;
  ino: number;
  fingerprint: string;
  fpLen: number;
  previous?: string;
  offset: number;
  carry: Buffer;
  lines: number;
  lastSize: number;
}

/** Rotated generations that exist, newest first (`.0` and `.1` before `.2` ... `.9`). */
export function generations(path: string): string[] {
  const out: string[] = [];
  for (let i = 0; i <= 9; i++) out.push(`${path}.${i}`, `${path}.${i}.gz`);
  return out.filter((p) => existsSync(p));
}

/** A rotated-away file kept open a little longer: syslog writes to it until it is told to reopen. */
interface Draining {
  file: Open;
  until: number;
}

export class Follower {
  private cur: Open | undefined;
  private draining: Draining[] = [];
  private readonly drainMs: number;
  private readonly readBytes: number;
  private readonly maxLine: number;

  constructor(readonly path: string, private readonly opts: FollowerOptions, private readonly on: FollowerEvents) {
    this.readBytes = opts.readBytes ?? 1 << 20;
    this.maxLine = opts.maxLine ?? 1 << 20;
    this.drainMs = opts.drainMs ?? 5000;
  }

  /**
   * Catch up with what was rotated while we were stopped: the newest generation that holds a
   * saved position is read from there, and every newer generation (never seen) from its
   * start; then the live file is opened. With no known generation (a first start), history
   * is left to `import`.
   */
  async start(): Promise<void> {
    const gens = generations(this.path);
    let newestKnown = -1;
    for (let i = 0; i < gens.length && newestKnown < 0; i++) {
      const head = await readHead(gens[i]!).catch(() => undefined);
      if (head && head.length > 0 && this.opts.find(head)) newestKnown = i;
    }
    for (let i = newestKnown; i >= 0; i--) await this.readGeneration(gens[i]!);
    await this.reopen(false);
  }

  /** Reads a finished (rotated) file from its saved position, or from its start. */
  private async readGeneration(gen: string): Promise<void> {
    const head = await readHead(gen).catch(() => undefined);
    if (!head || head.length === 0) return;
    const known = this.opts.find(head);
    const fp = { fingerprint: fingerprintOf(head), fpLen: Math.min(head.length, FINGERPRINT_BYTES) };
    let n = 0;
    for await (const chunk of readLines(await openStream(gen), known?.offset ?? 0)) {
      n += chunk.lines.length;
      this.on.lines(chunk.lines, { ...fp, path: gen, offset: chunk.end, lines: n, ...(known ? { replaces: known.fingerprint } : {}) });
    }
    if (n > 0) this.on.note('info', 'caught up from a rotated generation', { file: gen, lines: n });
  }

  /** One look at the file: read what is new, handle rotation. True when lines were read. */
  async poll(): Promise<boolean> {
    const drained = await this.drain(false);
    if (!this.cur) {
      await this.reopen(false);
      if (!this.cur) return drained;
    }
    const o = this.cur;
    const size = (await o.fh.stat()).size;
    // copytruncate: the size went down, or the file already grew past us again with new
    // content, which its first bytes give away.
    if (size < o.offset + o.carry.length || !(await this.sameHead(o))) return this.truncated();
    const st = await stat(this.path).catch(() => undefined);
    const grew = size > o.offset + o.carry.length;
    if (grew) await this.readNew(o, size, false);
    if (st && st.ino !== o.ino) {
      // Renamed away (or deleted and recreated): switch once the old file has stopped growing
      // for a poll, but keep reading it for a while: syslog writes to it until its HUP.
      if (!grew && size === o.lastSize) {
        await this.switchAfterRename(o);
        return true;
      }
    }
    o.lastSize = size;
    return grew || drained;
  }

  async close(): Promise<void> {
    await this.drain(true);
    await this.cur?.fh.close().catch(() => undefined);
    this.cur = undefined;
  }

  /** The old file goes to the draining list; generations rotated past it meanwhile are read. */
  private async switchAfterRename(old: Open): Promise<void> {
    this.draining.push({ file: old, until: Date.now() + this.drainMs });
    this.cur = undefined;
    // Two rotations between two looks: the files between the old one and the new one.
    const gens = generations(this.path).filter((g) => !g.endsWith('.gz'));
    const inodes = await Promise.all(gens.map((g) => stat(g).then((s) => s.ino).catch(() => -1)));
    const at = inodes.indexOf(old.ino);
    for (let i = at - 1; i >= 0; i--) await this.readGeneration(gens[i]!);
    await this.reopen(true);
  }

  /** Reads late lines of rotated-away files; closes them after their time (or all, at the end). */
  private async drain(all: boolean): Promise<boolean> {
    let read = false;
    const keep: Draining[] = [];
    for (const d of this.draining) {
      const size = (await d.file.fh.stat()).size;
      if (size > d.file.offset + d.file.carry.length) {
        await this.readNew(d.file, size, false);
        read = true;
      }
      if (all || Date.now() >= d.until) {
        await this.finish(d.file);
        await d.file.fh.close().catch(() => undefined);
      } else {
        keep.push(d);
      }
    }
    this.draining = keep;
    return read;
  }

  /** Do the file's first bytes still match the fingerprint it was opened with? */
  private async sameHead(o: Open): Promise<boolean> {
    if (o.fpLen === 0) return true;
    const head = Buffer.alloc(o.fpLen);
    const { bytesRead } = await o.fh.read(head, 0, o.fpLen, 0);
    return bytesRead === o.fpLen && fingerprintOf(head) === o.fingerprint;
  }

  /** SIGHUP: forget the open file and look at the path afresh. */
  async reopenOnSignal(): Promise<void> {
    if (this.cur) {
      await this.readNew(this.cur, (await this.cur.fh.stat()).size, false);
      this.draining.push({ file: this.cur, until: Date.now() + this.drainMs });
      this.cur = undefined;
    }
    await this.reopen(false);
  }

  private async reopen(rotated: boolean): Promise<void> {
    await this.cur?.fh.close().catch(() => undefined);
    this.cur = undefined;
    let fh: FileHandle;
    try {
      fh = await open(this.path, 'r');
    } catch {
      return; // not there (yet): look again at the next poll
    }
    const st = await fh.stat();
    const head = Buffer.alloc(Math.min(FINGERPRINT_BYTES, st.size));
    await fh.read(head, 0, head.length, 0);
    const known = head.length > 0 ? this.opts.find(head) : undefined;
    const offset = known && known.offset <= st.size ? known.offset : 0;
    this.cur = {
      fh, ino: st.ino, fingerprint: fingerprintOf(head), fpLen: head.length, offset, carry: Buffer.alloc(0), lines: 0,
      lastSize: st.size, ...(known ? { previous: known.fingerprint } : {}),
    };
    if (rotated) this.on.note('info', 'following the new file after rotation', { file: this.path });
    if (st.size > offset) await this.readNew(this.cur, st.size, false);
  }

  /** Reads [offset + carry, size), hands over complete lines; at the end of a finished file the rest too. */
  private async readNew(o: Open, size: number, final: boolean): Promise<void> {
    let pos = o.offset + o.carry.length;
    while (pos < size) {
      const buf = Buffer.alloc(Math.min(this.readBytes, size - pos));
      const { bytesRead } = await o.fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      if (o.fpLen < FINGERPRINT_BYTES) await this.lengthenFingerprint(o, pos);
      this.consume(o, Buffer.concat([o.carry, buf.subarray(0, bytesRead)]));
    }
    if (final && o.carry.length > 0) {
      // The old file is finished: its unterminated last line is complete.
      const last = o.carry;
      o.carry = Buffer.alloc(0);
      this.emit(o, [last.toString('utf8')], last.length);
    }
  }

  private consume(o: Open, buf: Buffer): void {
    const lines: string[] = [];
    let start = 0;
    let nl = buf.indexOf(10);
    while (nl >= 0) {
      let end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      if (end - start > this.maxLine) {
        end = start + this.maxLine;
        this.on.note('warn', 'cut a line longer than the limit', { file: this.path, limit: this.maxLine });
      }
      lines.push(buf.toString('utf8', start, end));
      start = nl + 1;
      nl = buf.indexOf(10, start);
    }
    o.carry = Buffer.from(buf.subarray(start));
    let consumed = start;
    if (o.carry.length > this.maxLine) {
      lines.push(o.carry.toString('utf8', 0, this.maxLine));
      consumed += o.carry.length;
      o.carry = Buffer.alloc(0);
      this.on.note('warn', 'cut a line longer than the limit', { file: this.path, limit: this.maxLine });
    }
    if (lines.length > 0) this.emit(o, lines, consumed);
  }

  private emit(o: Open, lines: string[], bytes: number): void {
    o.offset += bytes;
    o.lines += lines.length;
    this.on.lines(lines, {
      fingerprint: o.fingerprint, fpLen: o.fpLen, path: this.path, offset: o.offset, lines: o.lines,
      ...(o.previous !== undefined ? { replaces: o.previous } : {}),
    });
  }

  /** A file opened while shorter than the fingerprint length gets a longer fingerprint as it grows. */
  private async lengthenFingerprint(o: Open, readUpTo: number): Promise<void> {
    const len = Math.min(FINGERPRINT_BYTES, readUpTo);
    if (len <= o.fpLen) return;
    const head = Buffer.alloc(len);
    await o.fh.read(head, 0, len, 0);
    o.previous ??= o.fingerprint;
    o.fingerprint = fingerprintOf(head);
    o.fpLen = len;
  }

  private async finish(o: Open): Promise<void> {
    const size = (await o.fh.stat()).size;
    await this.readNew(o, size, true);
  }

  /**
   * copytruncate: the unread rest is in the copy, normally `.1`; when we were far behind it may
   * have been rotated further, so every plain generation is searched for our fingerprint, and
   * the generations newer than it (never seen) are read whole.
   */
  private async truncated(): Promise<boolean> {
    const o = this.cur!;
    const gens = generations(this.path).filter((g) => !g.endsWith('.gz'));
    let recovered = 0;
    for (let i = 0; i < gens.length; i++) {
      const head = await readHead(gens[i]!).catch(() => undefined);
      if (!head || fingerprintOf(head.subarray(0, o.fpLen)) !== o.fingerprint) continue;
      const fh = await open(gens[i]!, 'r');
      try {
        const saved = o.fh;
        o.fh = fh;
        const before = o.lines;
        await this.readNew(o, (await fh.stat()).size, true);
        recovered = o.lines - before;
        o.fh = saved;
      } finally {
        await fh.close();
      }
      for (let j = i - 1; j >= 0; j--) await this.readGeneration(gens[j]!);
      break;
    }
    this.on.note(recovered > 0 ? 'info' : 'warn', 'file was truncated (copytruncate)', { file: this.path, recoveredFromCopy: recovered });
    await this.reopen(true);
    return true;
  }
}
