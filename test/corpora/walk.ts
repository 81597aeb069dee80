// Finds the log files of ../shared/corpora (the shared corpus, which licenses keep out of this
// repository) and reads them line by line, plain or gzip.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const CORPORA = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../shared/corpora');

export function corporaPresent(): boolean {
  return existsSync(join(CORPORA, 'SOURCES.md'));
}

/** Expected-output files, notes and tables are not logs. */
const NOT_LOGS = /(?:^|\/)(?:expected[^/]*|SOURCES\.md)(?:\/|$)|\.(?:json|jsonl|yaml|yml|md|tsv|template|txt)$/;

export function logFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const rel = relative(CORPORA, p);
      if (NOT_LOGS.test(rel)) continue;
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(CORPORA);
  return out;
}

export function sourceOf(path: string): string {
  return relative(CORPORA, path).split('/')[0]!;
}

export function readLogLines(path: string): string[] {
  let buf = readFileSync(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  return buf.toString('utf8').split(/\r?\n/).filter((l) => l !== '');
}
