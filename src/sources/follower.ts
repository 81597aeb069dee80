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

/** Rotated generations, newest first, where a saved position may have gone while stopped. */
export function generations(path: string): string[] {
  return [`${path}.1`, `${path}.1.gz`, `${path}.0`, `${path}.0.gz`].filter((p) => existsSync(p));
}

export class Follower {
  private cur: Open | undefined;
  private readonly readBytes: number;
  private readonly maxLine: number;

  constructor(readonly path: string, private readonly opts: FollowerOptions, private readonly on: FollowerEvents) {
    this.readBytes = opts.readBytes ?? 1 << 20;
    this.maxLine = opts.maxLine ?? 1 << 20;
  }

  /** Catch up from a rotated generation that holds the saved position, then open the file. */
  async start(): Promise<void> {
    for (const gen of generations(this.path)) {
      const head = await readHead(gen).catch(() => undefined);
      if (!head || head.length === 0) continue;
      const known = this.opts.find(head);
      if (!known) continue;
      const fp = { fingerprint: fingerprintOf(head), fpLen: Math.min(head.length, FINGERPRINT_BYTES) };
      let n = 0;
      for await (const chunk of readLines(await openStream(gen), known.offset)) {
        n += chunk.lines.length;
        this.on.lines(chunk.lines, { ...fp, path: gen, offset: chunk.end, lines: n, replaces: known.fingerprint });
      }
      if (n > 0) this.on.note('info', 'caught up from a rotated generation', { file: gen, lines: n });
    }
    await this.reopen(false);
  }

  /** One look at the file: read what is new, handle rotation. True when lines were read. */
  async poll(): Promise<boolean> {
    if (!this.cur) {
      await this.reopen(false);
      if (!this.cur) return false;
    }
    const o = this.cur;
    const size = (await o.fh.stat()).size;
    if (size < o.offset + o.carry.length) return this.truncated();
    const st = await stat(this.path).catch(() => undefined);
    const grew = size > o.offset + o.carry.length;
    if (grew) await this.readNew(o, size, false);
    if (st && st.ino !== o.ino) {
      // Renamed away (or deleted and recreated): finish the old file while its writer may still
      // be writing; switch once it has stopped growing for a poll.
      if (!grew && size === o.lastSize) {
        await this.finish(o);
        await this.reopen(true);
        return true;
      }
    }
    o.lastSize = size;
    return grew;
  }

  async close(): Promise<void> {
    await this.cur?.fh.close().catch(() => undefined);
    this.cur = undefined;
  }

  /** SIGHUP: forget the open file and look at the path afresh. */
  async reopenOnSignal(): Promise<void> {
    if (this.cur) await this.finish(this.cur);
    await this.reopen(false);
  }

  private async reopen(rotated: boolean): Promise<void> {
    await this.close();
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

  /** copytruncate: the unread rest is in `.1` (if our fingerprint is found there). */
  private async truncated(): Promise<boolean> {
    const o = this.cur!;
    const copy = `${this.path}.1`;
    let recovered = 0;
    if (existsSync(copy)) {
      const head = await readHead(copy);
      if (fingerprintOf(head.subarray(0, o.fpLen)) === o.fingerprint) {
        const fh = await open(copy, 'r');
        try {
          const size = (await fh.stat()).size;
          const saved = o.fh;
          o.fh = fh;
          const before = o.lines;
          await this.readNew(o, size, true);
          recovered = o.lines - before;
          o.fh = saved;
        } finally {
          await fh.close();
        }
      }
    }
    this.on.note(recovered > 0 ? 'info' : 'warn', 'file was truncated (copytruncate)', { file: this.path, recoveredFromCopy: recovered });
    await this.reopen(true);
    return true;
  }
}
