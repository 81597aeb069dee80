// Reads a log file (plain or gzip, by its magic bytes) or stdin as lines with the byte offset
// after each line in the decompressed stream, so a position can be saved and resumed.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

import { FINGERPRINT_BYTES } from './fingerprint.ts';

export interface LineChunk {
  lines: string[];
  /** Byte offset just after the last line of this chunk. */
  end: number;
}

export async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

export async function openStream(path: string): Promise<Readable> {
  if (path === '-') return process.stdin;
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  return (await isGzip(path)) ? raw.pipe(createGunzip()) : raw;
}

/** The first FINGERPRINT_BYTES of the decompressed content. */
export async function readHead(path: string): Promise<Buffer> {
  const stream = await openStream(path);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= FINGERPRINT_BYTES) break;
  }
  stream.destroy();
  return Buffer.concat(parts).subarray(0, FINGERPRINT_BYTES);
}

/**
 * Yields complete lines in chunks, skipping the first `skip` bytes (a saved position, which
 * is always at a line end). An unterminated last line is yielded too: import takes a file as
 * it is; the live follower does its own reading and waits for the newline. `seen.bytes` ends
 * as the stream's length.
 */
export async function* readLines(stream: Readable, skip = 0, seen?: { bytes: number }): AsyncGenerator<LineChunk> {
  let offset = 0; // stream offset of the next byte to arrive
  let carry: Buffer | undefined;
  let carryStart = 0;
  for await (const data of stream as AsyncIterable<Buffer>) {
    let buf = data;
    let bufStart = offset;
    offset += data.length;
    // How long the stream was, for a caller that must notice one shorter than its saved position.
    if (seen) seen.bytes = offset;
    if (bufStart < skip) {
      const drop = Math.min(skip - bufStart, buf.length);
      buf = buf.subarray(drop);
      bufStart += drop;
      if (buf.length === 0) continue;
    }
    const lines: string[] = [];
    let start = 0;
    if (carry) {
      // Join the carried part only with the first line of the new data: concatenating whole
      // read buffers cost 5% of an import.
      const nl = buf.indexOf(10);
      if (nl < 0) {
        carry = Buffer.concat([carry, buf]);
        continue;
      }
      const first = Buffer.concat([carry, buf.subarray(0, nl)]);
      const end = first.length > 0 && first[first.length - 1] === 13 ? first.length - 1 : first.length;
      lines.push(first.toString('utf8', 0, end));
      carry = undefined;
      start = nl + 1;
    }
    let nl = buf.indexOf(10, start);
    while (nl >= 0) {
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      lines.push(buf.toString('utf8', start, end));
      start = nl + 1;
      nl = buf.indexOf(10, start);
    }
    if (start < buf.length) {
      carry = Buffer.from(buf.subarray(start));
      carryStart = bufStart + start;
    }
    if (lines.length > 0) yield { lines, end: bufStart + start };
  }
  if (carry && carry.length > 0) yield { lines: [carry.toString('utf8')], end: carryStart + carry.length };
}
