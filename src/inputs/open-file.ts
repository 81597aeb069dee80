// One plain log file read through its descriptor: complete lines from a byte offset. The file is
// known by its inode and by a fingerprint of its first bytes, and every read checks those bytes
// again, so bytes of a file truncated and rewritten under us are never taken for its old content.
import { open, type FileHandle } from 'node:fs/promises';
import { emptyKey, idOf, sameFile, type FileId } from './generations.ts';
import { FINGERPRINT_BYTES, fingerprintOf } from './fingerprint.ts';

export interface Opened {
  fh: FileHandle;
  id: FileId;
  size: number;
  head: Buffer;
}

export interface FileEvents {
  lines(lines: string[], file: OpenFile): void;
  note(level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>): void;
}

export interface ReadLimits {
  readBytes: number;
  maxLine: number;
}

/**
 * Opens a file and reads its first bytes; undefined when it is not there, or (with `id`) when the
 * name now holds another file: rotation moved the one that was listed.
 */
export async function openFile(path: string, id?: FileId): Promise<Opened | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch {
    return undefined;
  }
  const st = await fh.stat();
  if (id && !sameFile(idOf(st), id)) {
    await fh.close();
    return undefined;
  }
  const head = Buffer.alloc(Math.min(FINGERPRINT_BYTES, st.size));
  const { bytesRead } = await fh.read(head, 0, head.length, 0);
  return { fh, id: idOf(st), size: st.size, head: head.subarray(0, bytesRead) };
}

export class OpenFile {
  carry = Buffer.alloc(0);
  fingerprint: string;
  fpLen: number;
  /** The size at the previous look, to see when a renamed file has stopped growing. */
  lastSize: number;

  constructor(
    readonly fh: FileHandle,
    readonly id: FileId,
    /** The path it was opened under (a rotated file keeps it in its positions). */
    readonly path: string,
    head: Buffer,
    public offset: number,
    public lines: number,
    /** The key of a saved position this file replaces (a shorter fingerprint of it). */
    public previous: string | undefined,
    size: number,
    private readonly limits: ReadLimits,
    private readonly on: FileEvents,
  ) {
    this.fingerprint = fingerprintOf(head);
    this.fpLen = head.length;
    this.lastSize = size;
  }

  static of(o: Opened, path: string, at: { offset: number; lines: number; previous?: string | undefined }, limits: ReadLimits, on: FileEvents): OpenFile {
    return new OpenFile(o.fh, o.id, path, o.head, at.offset, at.lines, at.previous, o.size, limits, on);
  }

  /** The same content read on from another descriptor: the copy a copytruncate left. */
  continueIn(o: Opened, path: string): OpenFile {
    const f = new OpenFile(o.fh, o.id, path, Buffer.alloc(0), this.offset, this.lines, this.previous, o.size, this.limits, this.on);
    [f.fingerprint, f.fpLen, f.carry] = [this.fingerprint, this.fpLen, this.carry];
    return f;
  }

  get key(): string {
    return this.fpLen > 0 ? this.fingerprint : emptyKey(this.id);
  }

  get readTo(): number {
    return this.offset + this.carry.length;
  }

  async size(): Promise<number> {
    return (await this.fh.stat()).size;
  }

  /** Do the file's first bytes still match its fingerprint? */
  async sameHead(): Promise<boolean> {
    if (this.fpLen === 0) return true;
    const head = Buffer.alloc(this.fpLen);
    const { bytesRead } = await this.fh.read(head, 0, this.fpLen, 0);
    return bytesRead === this.fpLen && fingerprintOf(head) === this.fingerprint;
  }

  /**
   * Reads [offset + carry, size) and hands over complete lines; at the end of a finished file the
   * unterminated rest too. False when the first bytes changed: the file was truncated and written
   * again, and the bytes just read are not the old content (they are left unread).
   */
  async read(size: number, final: boolean): Promise<boolean> {
    let pos = this.readTo;
    while (pos < size) {
      const buf = Buffer.alloc(Math.min(this.limits.readBytes, size - pos));
      const { bytesRead } = await this.fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      // Checked after the read: a truncation before it shows now, one after it did not touch it.
      if (!(await this.checkHead(pos + bytesRead))) return false;
      pos += bytesRead;
      this.consume(Buffer.concat([this.carry, buf.subarray(0, bytesRead)]));
    }
    if (final && this.carry.length > 0) {
      // The file is finished: its unterminated last line is complete.
      const last = this.carry;
      this.carry = Buffer.alloc(0);
      this.emit([last.toString('utf8')], last.length);
    }
    return true;
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }

  /** The head still matches, and a fingerprint taken while the file was short grows with it. */
  private async checkHead(readUpTo: number): Promise<boolean> {
    const len = Math.min(FINGERPRINT_BYTES, readUpTo);
    if (len <= this.fpLen) return this.sameHead();
    const head = Buffer.alloc(len);
    const { bytesRead } = await this.fh.read(head, 0, len, 0);
    if (bytesRead < len) return false;
    if (this.fpLen > 0 && fingerprintOf(head.subarray(0, this.fpLen)) !== this.fingerprint) return false;
    this.previous ??= this.key;
    this.fingerprint = fingerprintOf(head);
    this.fpLen = len;
    return true;
  }

  private consume(buf: Buffer): void {
    const lines: string[] = [];
    let start = 0;
    let nl = buf.indexOf(10);
    while (nl >= 0) {
      let end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      if (end - start > this.limits.maxLine) {
        end = start + this.limits.maxLine;
        this.on.note('warn', 'cut a line longer than the limit', { file: this.path, limit: this.limits.maxLine });
      }
      lines.push(buf.toString('utf8', start, end));
      start = nl + 1;
      nl = buf.indexOf(10, start);
    }
    this.carry = Buffer.from(buf.subarray(start));
    let consumed = start;
    if (this.carry.length > this.limits.maxLine) {
      lines.push(this.carry.toString('utf8', 0, this.limits.maxLine));
      consumed += this.carry.length;
      this.carry = Buffer.alloc(0);
      this.on.note('warn', 'cut a line longer than the limit', { file: this.path, limit: this.limits.maxLine });
    }
    if (lines.length > 0) this.emit(lines, consumed);
  }

  private emit(lines: string[], bytes: number): void {
    this.offset += bytes;
    this.lines += lines.length;
    this.on.lines(lines, this);
  }
}
