// Issue 22 as reported: `serve` started on a mail log that is empty at that moment (a fresh
// server, or just after the nightly rotation), stopped (SIGTERM or SIGKILL), ~700 lines written,
// a rename rotation, ~350 more lines in the new file, serve started again (and, after a SIGKILL,
// killed once more during its catch-up, as in a crash loop). It must find every message one
// `import` of the same lines finds, and report no gap: it used to find 28 of 77 and say nothing.
import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Feed } from '../../bench/follow-feed.ts';
import { cliEntry } from './lib/cli-entry.ts';
import { committedLines, hasCheckpoint } from './lib/serve-db.ts';
import { freePort, killHard, logEntries, runCli, startServe, stopClean, type ServeRun } from './lib/serve-process.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BEFORE = 700;
const AFTER = 350;

async function until(ok: () => boolean, ms = 20_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(25)) if (ok()) return true;
  return ok();
}

let entry = '';
let dispose = () => undefined as void;
beforeAll(async () => {
  ({ entry, dispose } = await cliEntry());
}, 120_000);
afterAll(() => dispose());

describe('serve after a rotation while it was stopped, on an empty checkpoint (issue 22)', () => {
  it.each(['SIGTERM', 'SIGKILL'] as const)('finds every message after a stop by %s', async (stop) => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-issue22-'));
    const log = join(dir, 'mail.log');
    const db = join(dir, 'serve.db');
    const feed = new Feed();
    const lines = Array.from({ length: BEFORE + AFTER }, (_, k) => feed.line(k, Date.UTC(2026, 10, 27, 20)));
    const text = (from: number, to: number) => lines.slice(from, to).map((l) => `${l}\n`).join('');
    const port = await freePort();
    const runs: ServeRun[] = [];
    const start = () => (runs.push(startServe(entry, db, [log], port)), runs.at(-1)!);

    writeFileSync(log, '');
    const first = start();
    expect(await first.serving).toBe(true);
    expect(await until(() => hasCheckpoint(db))).toBe(true);
    if (stop === 'SIGKILL') await killHard(first);
    else expect(await stopClean(first)).toBe(0);

    appendFileSync(log, text(0, BEFORE));
    renameSync(log, `${log}.1`);
    writeFileSync(log, text(BEFORE, BEFORE + AFTER));

    let last = start();
    if (stop === 'SIGKILL') {
      await sleep(300);
      await killHard(last);
      last = start();
    }
    await until(() => committedLines(db) >= lines.length);
    await sleep(200);
    expect(await stopClean(last)).toBe(0);

    writeFileSync(join(dir, 'all.log'), text(0, lines.length));
    await runCli(entry, ['import', '--db', join(dir, 'import.db'), join(dir, 'all.log')]);
    const [got, want] = await Promise.all([
      runCli(entry, ['messages', '--db', db, '--json']),
      runCli(entry, ['messages', '--db', join(dir, 'import.db'), '--json']),
    ]);
    const count = (out: string) => out.split('\n').filter(Boolean).length;
    console.log(`issue 22 scenario, ${stop}: serve found ${count(got)} of the ${count(want)} messages one import finds`);
    expect(count(want)).toBeGreaterThan(50);
    expect(got).toBe(want);
    expect(runs.flatMap(logEntries).filter((e) => e.gap !== undefined), 'no gap reported: nothing was lost').toEqual([]);
  }, 120_000);
});
