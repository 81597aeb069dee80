// The log a mail server writes and what logrotate does to it (rename and create, delaycompress,
// copytruncate, rotate 1), recording which lines each file holds: the ground truth of the serve
// tests, kept by the harness, never taken from what serve did.
import { appendFileSync, copyFileSync, existsSync, readFileSync, renameSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

/** A file made by the writer or by rotation: where it is now (null: deleted) and the lines it holds. */
export interface Held {
  name: string | null;
  /** Indices into the source lines. */
  lines: number[];
}

export interface RenameOptions {
  /** Lines syslog still writes to the renamed file before its HUP. */
  late?: number;
  /** delaycompress: the generation that becomes `.2` is compressed, keeping its mtime as logrotate does. */
  compressOlder?: boolean;
  /** `rotate 1`: the oldest generation, `.1`, is deleted first. */
  keepOne?: boolean;
}

export class MailLog {
  /** The next source line to write. */
  next = 0;
  readonly files: Held[] = [];
  private live: Held | undefined;

  constructor(readonly path: string, readonly source: readonly string[]) {}

  get done(): boolean {
    return this.next >= this.source.length;
  }

  /** The live file: created empty, as a fresh server or logrotate's `create` leaves it. */
  create(): Held {
    writeFileSync(this.path, '');
    this.live = { name: this.path, lines: [] };
    this.files.push(this.live);
    return this.live;
  }

  /** The live file deleted (not rotated): the path has no file until the next write. */
  deleteLive(): void {
    if (!this.live) return;
    rmSync(this.path);
    this.live.name = null;
    this.live = undefined;
  }

  /** Appends the next `n` source lines to the live file (created if missing), or to `to`. */
  write(n: number, to?: Held): void {
    const f = to ?? this.live ?? this.create();
    const count = Math.min(n, this.source.length - this.next);
    if (count <= 0 || f.name === null) return;
    const idx = Array.from({ length: count }, (_, i) => this.next + i);
    appendFileSync(f.name, idx.map((i) => `${this.source[i]}\n`).join(''));
    f.lines.push(...idx);
    this.next += count;
  }

  /** Rename and create (Debian's default), with late lines, delaycompress and `rotate 1` as asked. */
  rename(o: RenameOptions = {}): void {
    if (o.keepOne) this.remove(`${this.path}.1`);
    this.shift();
    const old = this.held(this.path);
    if (old) this.move(old, `${this.path}.1`);
    this.create();
    if (old && o.late) this.write(o.late, old);
    if (o.compressOlder) this.compress(`${this.path}.2`);
  }

  /** copytruncate: the copy becomes `.1`, the live file is emptied in place. */
  copytruncate(): void {
    this.shift();
    const live = this.live ?? this.create();
    copyFileSync(this.path, `${this.path}.1`);
    this.files.push({ name: `${this.path}.1`, lines: [...live.lines] });
    truncateSync(this.path, 0);
    live.lines = [];
  }

  /** Lines that no file on disk holds any more. */
  gone(): Set<number> {
    const onDisk = new Set(this.files.filter((f) => f.name !== null).flatMap((f) => f.lines));
    return new Set(Array.from({ length: this.next }, (_, i) => i).filter((i) => !onDisk.has(i)));
  }

  /** Older generations move up one, as logrotate does (none is dropped here but by `keepOne`). */
  private shift(): void {
    for (let g = 8; g >= 1; g--) {
      for (const ext of ['.gz', '']) {
        const held = this.held(`${this.path}.${g}${ext}`);
        if (held) this.move(held, `${this.path}.${g + 1}${ext}`);
      }
    }
  }

  private compress(name: string): void {
    const held = this.held(name);
    if (!held) return;
    const st = statSync(name);
    writeFileSync(`${name}.gz`, gzipSync(readFileSync(name)));
    utimesSync(`${name}.gz`, st.atime, st.mtime); // logrotate keeps the original's times on the .gz
    rmSync(name);
    held.name = `${name}.gz`;
  }

  private remove(name: string): void {
    for (const n of [name, `${name}.gz`]) {
      const held = this.held(n);
      if (!held) continue;
      rmSync(n);
      held.name = null;
    }
  }

  private move(held: Held, to: string): void {
    renameSync(held.name!, to);
    held.name = to;
    if (held === this.live) this.live = undefined;
  }

  private held(name: string): Held | undefined {
    return existsSync(name) ? this.files.find((f) => f.name === name) : undefined;
  }
}
