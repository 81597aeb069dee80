// The checkpoint rules of issue 22 on real files: a checkpoint names its file even while it is
// empty (or absent), the generations written while serve was stopped are found and read (plain,
// compressed, copied), and what is truly gone is reported as a gap, never skipped in silence.
// Also the item-9 race: a copytruncate in the middle of a read is never taken for the old content.
import { appendFileSync, copyFileSync, readFileSync, renameSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { block, expected, FollowFiles, line } from './lib/follow-files.ts';

let files: FollowFiles;
let log: string;

beforeEach(() => {
  files = new FollowFiles();
  log = files.log;
  return () => files.remove();
});

/** One run of serve: start (catching up), a few looks, stop. */
async function run(looks = 0): Promise<void> {
  const f = files.follower();
  await f.start();
  for (let i = 0; i < looks; i++) await f.poll();
  await f.close();
}

const lines = (from: number, to: number) => expected(to).slice(from);

/** logrotate with delaycompress: .1 becomes .2.gz with the original's mtime, the live file becomes .1. */
function rotateCompressingOlder(): void {
  renameSync(`${log}.1`, `${log}.2`);
  renameSync(log, `${log}.1`);
  const st = statSync(`${log}.2`);
  writeFileSync(`${log}.2.gz`, gzipSync(readFileSync(`${log}.2`)));
  utimesSync(`${log}.2.gz`, st.atime, st.mtime);
  rmSync(`${log}.2`);
}

describe('follower, a checkpoint of an empty file', () => {
  it('finds the file after a rename rotation while stopped (issue 22)', async () => {
    writeFileSync(log, '');
    await run();
    appendFileSync(log, block(0, 5));
    renameSync(log, `${log}.1`);
    writeFileSync(log, block(5, 8));
    await run();
    expect(files.got).toEqual(expected(8));
    expect(files.gaps).toEqual([]);
  });

  it('reads its compressed generation after two rotations (delaycompress)', async () => {
    writeFileSync(log, '');
    await run();
    appendFileSync(log, block(0, 4));
    renameSync(log, `${log}.1`);
    writeFileSync(log, block(4, 6));
    rotateCompressingOlder();
    writeFileSync(log, block(6, 8));
    await run();
    expect(files.got).toEqual(expected(8));
    expect(files.gaps).toEqual([]);
  });

  it('reads the copy of a copytruncate first, then the file', async () => {
    writeFileSync(log, '');
    await run();
    appendFileSync(log, block(0, 4));
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, block(4, 6));
    await run();
    expect(files.got).toEqual(expected(6));
  });

  it('takes an empty compressed generation for the file, still empty (ifempty rotation)', async () => {
    writeFileSync(log, '');
    await run();
    renameSync(log, `${log}.1`);
    writeFileSync(log, block(0, 2));
    rotateCompressingOlder();
    writeFileSync(log, block(2, 4));
    await run();
    expect(files.got).toEqual(expected(4));
    expect(files.gaps).toEqual([]);
  });

  it('reports the file as gone when it was rotated out and deleted, and reads the rest', async () => {
    writeFileSync(log, '');
    await run();
    appendFileSync(log, block(0, 4)); // lost: its file is deleted before serve comes back
    renameSync(log, `${log}.1`);
    writeFileSync(log, block(4, 6));
    rmSync(`${log}.1`);
    renameSync(log, `${log}.1`);
    writeFileSync(log, block(6, 8));
    await run();
    expect(files.got).toEqual(lines(4, 8));
    expect(files.gaps).toMatchObject([{ reason: 'gone', path: log, linesRead: 0 }]);
  });
});

describe('follower, a checkpoint of a path with no file', () => {
  it('reads the generations written since serve first followed the path', async () => {
    await run();
    writeFileSync(log, block(0, 3));
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, block(3, 5));
    rotateCompressingOlder();
    writeFileSync(log, block(5, 7));
    await run();
    expect(files.got).toEqual(expected(7));
  });

  it('leaves history from before the first start to import', async () => {
    writeFileSync(`${log}.1`, 'Nov 26 00:00:00 mx1 postfix/qmgr[1]: OLD0000001: removed\n');
    utimesSync(`${log}.1`, new Date(Date.now() - 86_400_000), new Date(Date.now() - 86_400_000));
    writeFileSync(log, block(0, 2));
    await run();
    appendFileSync(log, block(2, 3));
    renameSync(`${log}.1`, `${log}.2`);
    renameSync(log, `${log}.1`);
    writeFileSync(log, block(3, 5));
    await run();
    expect(files.got).toEqual(expected(5));
  });

  it('catches up a file that appeared and was rotated between two looks', async () => {
    const f = files.follower();
    await f.start();
    await f.poll();
    writeFileSync(log, block(0, 3));
    renameSync(log, `${log}.1`);
    writeFileSync(log, block(3, 5));
    await f.poll();
    await f.close();
    expect(files.got).toEqual(expected(5));
  });
});

describe('follower, a checkpoint with bytes', () => {
  it('reports the unread rest of a deleted file with the lines it had read', async () => {
    writeFileSync(log, block(0, 3));
    await run();
    appendFileSync(log, block(3, 5)); // lost
    renameSync(log, `${log}.1`);
    writeFileSync(log, block(5, 7));
    rmSync(`${log}.1`);
    renameSync(log, `${log}.1`);
    writeFileSync(log, block(7, 9));
    await run();
    expect(files.got).toEqual([...expected(3), ...lines(5, 9)]);
    expect(files.gaps).toMatchObject([{ reason: 'gone', linesRead: 3 }]);
  });

  it('reports a truncation without a copy while stopped, and reads the new content', async () => {
    writeFileSync(log, block(0, 3));
    await run();
    appendFileSync(log, block(3, 5)); // lost
    truncateSync(log, 0);
    appendFileSync(log, block(5, 7));
    await run();
    expect(files.got).toEqual([...expected(3), ...lines(5, 7)]);
    expect(files.gaps).toMatchObject([{ reason: 'replaced', linesRead: 3 }]);
  });

  it('reports a file cut shorter than its position (its first kilobyte kept)', async () => {
    writeFileSync(log, block(0, 40));
    await run();
    truncateSync(log, Buffer.byteLength(block(0, 30)));
    appendFileSync(log, block(40, 42)); // written where serve had read already: cannot be told apart
    await run();
    const bytes = Buffer.byteLength(block(0, 40)) - Buffer.byteLength(block(0, 30) + block(40, 42));
    expect(files.gaps).toMatchObject([{ reason: 'shorter', bytes, linesRead: 40 }]);
    expect(files.got).toEqual(expected(40));
  });
});

// Item 9 of issue 12: a copytruncate between two reads of one look (the follower far behind).
describe('follower, copytruncate in the middle of a read', () => {
  const truncateOnce = (after: number, from: number, to: number) => {
    let done = false;
    files.hook = () => {
      if (done || files.got.length < after) return;
      done = true;
      copyFileSync(log, `${log}.1`);
      truncateSync(log, 0);
      appendFileSync(log, block(from, to));
    };
  };

  it('never reads new content at the old offset (full fingerprint)', async () => {
    writeFileSync(log, block(0, 40));
    truncateOnce(5, 40, 80);
    const f = files.follower({ readBytes: 64 });
    await f.start();
    for (let i = 0; i < 3; i++) await f.poll();
    await f.close();
    expect(files.got).toEqual(expected(80));
  });

  it('never lengthens a short fingerprint with the new content', async () => {
    writeFileSync(log, block(0, 2));
    const f = files.follower({ readBytes: 64 });
    await f.start();
    appendFileSync(log, block(2, 40));
    truncateOnce(4, 40, 80);
    for (let i = 0; i < 3; i++) await f.poll();
    await f.close();
    expect(files.got).toEqual(expected(80));
  });

  it('reports a truncation with no copy, then reads the file from its start', async () => {
    writeFileSync(log, block(0, 3));
    const f = files.follower();
    await f.start();
    appendFileSync(log, block(3, 5)); // lost: truncated before serve looked, and no copy kept
    truncateSync(log, 0);
    appendFileSync(log, block(5, 7));
    for (let i = 0; i < 3; i++) await f.poll();
    await f.close();
    expect(files.got).toEqual([...expected(3), ...lines(5, 7)]);
    expect(files.gaps).toMatchObject([{ reason: 'truncated', linesRead: 3 }]);
  });

  it('finds the copy after it was rotated on and compressed', async () => {
    writeFileSync(log, block(0, 3));
    const f = files.follower();
    await f.start();
    appendFileSync(log, block(3, 5));
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, block(5, 7));
    rotateCompressingOlder();
    writeFileSync(log, block(7, 9));
    for (let i = 0; i < 4; i++) await f.poll();
    await f.close();
    expect(files.got).toEqual(expected(9));
    expect(files.got.at(-1)).toBe(line(8));
  });
});
