// Process helpers for bench/follow-compare.ts: start a TypeScript child, wait for its "up"
// line or its exit, kill it hard, and read a consumer's SQLite results read-only.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const BENCH = new URL('.', import.meta.url).pathname;

export function startChild(script: string, args: string[], stderrFile: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(BENCH, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.pipe(createWriteStream(stderrFile, { flags: 'a' }));
  return child;
}

/** Resolves with the child's stdout when it printed `word` on a line, or when it exited. */
export function waitFor(child: ChildProcess, word: string): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const check = () => out.split('\n').includes(word) && resolve(out);
    child.stdout?.on('data', (d: Buffer) => ((out += d.toString()), check()));
    child.once('close', () => resolve(out));
  });
}

/** Resolves with all the child printed on stdout, once it has closed it. */
export function output(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('close', () => resolve(out));
  });
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export async function killHard(child: ChildProcess): Promise<void> {
  const gone = exited(child);
  child.kill('SIGKILL');
  await gone;
}

export interface Received {
  received: number;
  lastAt: number;
  runs: number;
}

/** The consumer's committed progress (what survived any kill). */
export function progress(dbPath: string): Received {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const r = db.prepare('SELECT received, last_at AS lastAt, runs FROM progress').get() as Received | undefined;
    return r ?? { received: 0, lastAt: 0, runs: 0 };
  } finally {
    db.close();
  }
}

export interface Tally {
  received: number;
  lost: number;
  duplicated: number;
  garbled: number;
  firstLost: number | undefined;
  garbledSample: string | undefined;
}

export function tally(dbPath: string, written: number): Tally {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const seen = new Uint32Array(written + 1);
    let received = 0;
    let garbled = 0;
    let duplicated = 0;
    for (const { n } of db.prepare('SELECT n FROM got').iterate() as IterableIterator<{ n: number | null }>) {
      received++;
      if (n === null || n < 1 || n > written) garbled++;
      else if (seen[n]!++ > 0) duplicated++;
    }
    const firstLost = seen.findIndex((c, i) => i > 0 && c === 0);
    const sample = db.prepare('SELECT line FROM garbled LIMIT 1').get() as { line: string } | undefined;
    return {
      received, garbled, duplicated, lost: seen.reduce((a, c, i) => a + (i > 0 && c === 0 ? 1 : 0), 0),
      firstLost: firstLost > 0 ? firstLost : undefined, garbledSample: sample?.line,
    };
  } finally {
    db.close();
  }
}
