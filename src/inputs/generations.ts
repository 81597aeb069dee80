// The files a followed log is made of on disk: its rotated generations (`mail.log.2.gz`,
// `mail.log.1`, ...) and the live file, each with what identifies it: the inode and birth time of
// a plain file, and for every file the first bytes of its (decompressed) content.
import { existsSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { FINGERPRINT_BYTES, fingerprintOf } from './fingerprint.ts';

export interface FileId {
  dev: number;
  ino: number;
  /** 0 where the file system keeps no birth time. */
  birthMs: number;
}

export interface Generation extends FileId {
  path: string;
  gz: boolean;
  live: boolean;
  /** The first FINGERPRINT_BYTES of the content (decompressed). */
  head: Buffer;
  mtimeMs: number;
  /** Bytes on disk: for a .gz file, not the length of its content. */
  size: number;
}

/**
 * A file system's clock ticks coarsely (a file written just after we looked can carry an mtime a
 * few ms before that look), so "modified since" comparisons allow this much.
 */
export const CLOCK_SLACK_MS = 1000;

export function idOf(st: Stats): FileId {
  return { dev: st.dev, ino: st.ino, birthMs: Math.round(st.birthtimeMs) };
}

/**
 * The same file: same inode, and the same birth time where both are known, so an inode reused by
 * a new file is not taken for the old one. The device is not compared when birth times match:
 * overlay and network file systems can number devices differently after a reboot.
 */
export function sameFile(a: FileId, b: FileId): boolean {
  if (a.ino !== b.ino) return false;
  if (a.birthMs > 0 && b.birthMs > 0) return a.birthMs === b.birthMs;
  return a.dev === b.dev;
}

/** The key of a file that has no bytes yet: no fingerprint can name it, its inode does. */
export function emptyKey(id: FileId): string {
  return `empty:${id.dev}:${id.ino}:${id.birthMs}`;
}

/** Does this head start with the `fpLen` bytes whose fingerprint is given? */
export function startsWith(head: Buffer, fingerprint: string, fpLen: number): boolean {
  return fpLen > 0 && head.length >= fpLen && fingerprintOf(head.subarray(0, fpLen)) === fingerprint;
}

/** Names rotation gives the file, oldest first; a plain `.N` before its `.N.gz` (the complete one while gzip runs). */
function rotatedNames(path: string): string[] {
  const out: string[] = [];
  for (let i = 9; i >= 0; i--) out.push(`${path}.${i}`, `${path}.${i}.gz`);
  return out;
}

/**
 * One file, its identity and its first bytes read through one descriptor: by path, a rename
 * between the two would pair one file's inode with another's content.
 */
async function describe(path: string, live: boolean): Promise<Generation | undefined> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return undefined; // rotated away while we looked
  try {
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    const first = Buffer.alloc(FINGERPRINT_BYTES);
    const { bytesRead } = await fh.read(first, 0, FINGERPRINT_BYTES, 0);
    const gz = bytesRead >= 2 && first[0] === 0x1f && first[1] === 0x8b;
    const head = gz ? await gunzipHead(fh) : first.subarray(0, bytesRead);
    return { path, gz, live, head, mtimeMs: st.mtimeMs, size: st.size, ...idOf(st) };
  } catch {
    return undefined; // a .gz still being written: the next look finds it whole
  } finally {
    await fh.close();
  }
}

/** The first FINGERPRINT_BYTES of a compressed file's content. */
async function gunzipHead(fh: FileHandle): Promise<Buffer> {
  const raw = fh.createReadStream({ start: 0, autoClose: false });
  const stream = raw.pipe(createGunzip());
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= FINGERPRINT_BYTES) break;
    }
  } finally {
    stream.destroy();
    raw.destroy();
  }
  return Buffer.concat(parts).subarray(0, FINGERPRINT_BYTES);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The rotated generations that exist, oldest first, then (with `withLive`) the live file if it
 * exists. Taken again while logrotate is visibly at work (a name vanished or appeared while we
 * read them): a list taken across a rename or a compression would miss the file being moved.
 */
export async function listGenerations(path: string, withLive: boolean): Promise<Generation[]> {
  let out: Generation[] = [];
  for (let look = 0; look < 5; look++) {
    const names = rotatedNames(path).filter((p) => existsSync(p));
    const found = await Promise.all(names.map((p) => describe(p, false)));
    out = found.filter((g): g is Generation => g !== undefined);
    const again = rotatedNames(path).filter((p) => existsSync(p));
    if (out.length === names.length && again.join('\n') === names.join('\n')) break;
    await sleep(20);
  }
  if (withLive) {
    const live = await describe(path, true);
    if (live) out.push(live);
  }
  return out;
}
