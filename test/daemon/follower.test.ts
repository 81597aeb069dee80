// The follower against real files: partial lines, rename rotation, copytruncate, delete and
// recreate, rotation while stopped (.1 and .1.gz), and an endless line. The ground truth is
// what the test wrote; positions are kept the way the store keeps them (fingerprint prefix).
import { appendFileSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync, copyFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Follower } from '../../src/inputs/follower.ts';
import { block, expected, FollowFiles, line } from './lib/follow-files.ts';

let files: FollowFiles;
let log: string;
let got: string[];
let notes: string[];

const follower = (): Follower => files.follower();

beforeEach(() => {
  files = new FollowFiles();
  ({ log, got, notes } = files);
  return () => files.remove();
});

describe('follower', () => {
  it('waits for the newline of a partial last line', async () => {
    writeFileSync(log, block(0, 3) + 'Nov 27 18:00:03 mx1 postfix/qmgr[1]: ABC');
    const f = follower();
    await f.start();
    expect(got).toEqual(expected(3));
    appendFileSync(log, 'DE00003: removed\n');
    await f.poll();
    expect(got).toEqual(expected(4));
    await f.close();
  });

  it('finishes the old file after a rename rotation, then reads the new one', async () => {
    writeFileSync(log, block(0, 5));
    const f = follower();
    await f.start();
    appendFileSync(log, block(5, 8));
    renameSync(log, `${log}.1`);
    appendFileSync(`${log}.1`, block(8, 10)); // the writer had not reopened yet
    writeFileSync(log, block(10, 12));
    for (let i = 0; i < 4; i++) await f.poll();
    expect(got).toEqual(expected(12));
    await f.close();
  });

  it('reads the unread rest of .1 after a copytruncate', async () => {
    writeFileSync(log, block(0, 5));
    const f = follower();
    await f.start();
    appendFileSync(log, block(5, 9));
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, block(9, 11));
    for (let i = 0; i < 3; i++) await f.poll();
    expect(got).toEqual(expected(11));
    await f.close();
  });

  it('follows a file deleted and created again', async () => {
    writeFileSync(log, block(0, 4));
    const f = follower();
    await f.start();
    rmSync(log);
    await f.poll();
    writeFileSync(log, block(4, 7));
    for (let i = 0; i < 3; i++) await f.poll();
    expect(got).toEqual(expected(7));
    await f.close();
  });

  it.each(['.1', '.1.gz'])('catches up from %s when the file was rotated while stopped', async (suffix) => {
    writeFileSync(log, block(0, 5));
    const first = follower();
    await first.start();
    await first.close();
    appendFileSync(log, block(5, 8));
    const rotated = `${log}${suffix}`;
    if (suffix.endsWith('.gz')) {
      writeFileSync(rotated, gzipSync(readFileSync(log)));
      rmSync(log);
    } else {
      renameSync(log, rotated);
    }
    writeFileSync(log, block(8, 10));
    const second = follower();
    await second.start();
    expect(got).toEqual(expected(10));
    await second.close();
  });

  it('resumes a restart at the saved offset without repeating a line', async () => {
    writeFileSync(log, block(0, 6));
    const a = follower();
    await a.start();
    await a.close();
    appendFileSync(log, block(6, 9));
    const b = follower();
    await b.start();
    expect(got).toEqual(expected(9));
    await b.close();
  });

  it('cuts an endless line instead of holding it all in memory', async () => {
    writeFileSync(log, block(0, 2) + 'x'.repeat(10_000) + '\n' + block(2, 3));
    const f = follower();
    await f.start();
    expect(got.length).toBeGreaterThanOrEqual(4);
    expect(got.slice(0, 2)).toEqual(expected(2));
    expect(got.at(-1)).toBe(line(2));
    expect(got.every((l) => l.length <= 4096)).toBe(true);
    expect(notes).toContain('cut a line longer than the limit');
    await f.close();
  });
});

// Cases found by bench/follow-compare.ts (docs/decisions/0001-own-follower.md): each is one
// of the losses or repeats it traced, reproduced here with the steps the record gives.
describe('follower, cases found by the benchmark', () => {
  it('reads every generation rotated past the saved position while stopped (two rotations)', async () => {
    writeFileSync(log, block(0, 5));
    const a = follower();
    await a.start();
    await a.close();
    appendFileSync(log, block(5, 7));
    renameSync(log, `${log}.1`);
    writeFileSync(log, block(7, 9));
    renameSync(`${log}.1`, `${log}.2`);
    renameSync(log, `${log}.1`);
    writeFileSync(log, block(9, 11));
    const b = follower();
    await b.start();
    expect(got).toEqual(expected(11));
    await b.close();
  });

  it('reads the files rotated past it between two looks', async () => {
    writeFileSync(log, block(0, 3));
    const f = follower();
    await f.start();
    renameSync(log, `${log}.1`);
    writeFileSync(log, block(3, 6));
    renameSync(`${log}.1`, `${log}.2`);
    renameSync(log, `${log}.1`);
    writeFileSync(log, block(6, 8));
    for (let i = 0; i < 4; i++) await f.poll();
    expect(got).toEqual(expected(8));
    await f.close();
  });

  it('notices a copytruncate even when the file grew past the old offset before the next look', async () => {
    writeFileSync(log, block(0, 3));
    const f = follower();
    await f.start();
    appendFileSync(log, block(3, 5));
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, block(5, 40));
    for (let i = 0; i < 3; i++) await f.poll();
    expect(got).toEqual(expected(40));
    await f.close();
  });

  it('still reads lines written to the renamed file after it switched to the new one', async () => {
    writeFileSync(log, block(0, 3));
    const f = follower();
    await f.start();
    renameSync(log, `${log}.1`);
    writeFileSync(log, block(4, 6));
    await f.poll();
    await f.poll();
    appendFileSync(`${log}.1`, block(3, 4)); // syslog had not reopened yet
    await f.poll();
    await f.close();
    expect([...got].sort()).toEqual(expected(6).sort());
  });
});

describe('follower, copytruncate while far behind', () => {
  it('finds the copy after it was rotated past .1, and reads the generations after it', async () => {
    writeFileSync(log, block(0, 3));
    const f = follower();
    await f.start();
    appendFileSync(log, block(3, 5));
    copyFileSync(log, `${log}.1`); // copytruncate ...
    truncateSync(log, 0);
    appendFileSync(log, block(5, 7));
    renameSync(`${log}.1`, `${log}.2`); // ... then a rename rotation before we looked again
    renameSync(log, `${log}.1`);
    writeFileSync(log, block(7, 9));
    for (let i = 0; i < 4; i++) await f.poll();
    await f.close();
    expect([...got].sort()).toEqual(expected(9).sort());
  });
});
