// End to end against a real Postfix logging to a real systemd-journald (issue 15): the Postfix
// harness's scenarios, with a standalone journald (the journal emptied first) in rsyslog's place
// on /dev/log (lib/journald.ts). Then this machine's journal, read both ways bouncewatch reads
// it, against the harness's truth: `import --journal` into a fresh database, and
// `serve --log journal` followed until /healthz's lines_read stops growing, then SIGTERM.
// journald is machine-wide: the journald lock (lib/e2e-lock.ts, also taken by
// test/daemon/journal-follow.test.ts) is held from before the harness until the journal is read.
// The journal is emptied before the run and again once it is read.
// Needs root, the packages of test/e2e/setup-debian.sh and package systemd (skips without them,
// except under CI=true where it fails).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServe, stopClean } from '../daemon/lib/serve-process.ts';
import { checkTruth, readBouncewatch, runBouncewatchJournal } from './check-truth.ts';
import { acquireJournaldLock } from './lib/e2e-lock.ts';
import { runHarness } from './lib/harness.ts';
import { emptyJournal, JOURNALCTL, JOURNALD, journalMailEntries } from './lib/journald.ts';
import { waitUntil } from './lib/proc-net.ts';
import { prerequisitesMet } from './lib/suite.ts';
import type { Truth } from './lib/truth.ts';
import { postfixAdapter } from './postfix/run.ts';

/** The journald lock (journal-follow.test.ts: a few minutes), then /dev/log (the other harnesses: up to 240 s). */
const LOCK_WAITS_MS = 540_000;
const TITLE = 'postfix end to end, logging to systemd-journald';
const needs = {
  binaries: [...postfixAdapter.needs.binaries.filter((b) => !b.endsWith('/rsyslogd')), JOURNALD, JOURNALCTL],
  users: postfixAdapter.needs.users,
};

if (prerequisitesMet(TITLE, 'Postfix (journald)', needs)) {
  describe(TITLE, () => {
    let out = '';
    let truth: Truth | null = null;
    let entries = 0;
    let release: (() => Promise<void>) | null = null;

    beforeAll(async () => {
      // Held until afterAll: no other test may empty the journal or start a journald before it is read.
      release = await acquireJournaldLock('test/e2e/postfix-journal.e2e.test.ts');
      out = await mkdtemp(path.join(os.tmpdir(), 'bw-e2e-out-postfix-journal-'));
      truth = await runHarness(postfixAdapter, out, { syslog: 'journald' });
      entries = await journalMailEntries();
    }, LOCK_WAITS_MS + postfixAdapter.timeoutMs);

    afterAll(async () => {
      // The run's entries go too (still under the lock): no Postfix test mail lingers in this
      // machine's journal for serve's discovery or the next test to find.
      if (release) {
        await emptyJournal();
        await release();
      }
      if (out) await rm(out, { recursive: true, force: true });
    });

    it('the journal holds the run', () => {
      if (!truth) throw new Error('the harness did not produce a truth file');
      // Every message logs several lines; far fewer entries means journald dropped some.
      expect(entries).toBeGreaterThan(truth.messages.length * 3);
    });

    it('bouncewatch import --journal reads every message as the scenarios designed', async () => {
      if (!truth) throw new Error('the harness did not produce a truth file');
      const result = await runBouncewatchJournal(path.join(out, 'import.db'));
      expect(checkTruth(truth, result)).toEqual([]);
    }, 120_000);

    it('bouncewatch serve --log journal reads every message as the scenarios designed', async () => {
      if (!truth) throw new Error('the harness did not produce a truth file');
      const db = path.join(out, 'serve.db');
      const port = await freePort();
      const serve = startServe(path.resolve(import.meta.dirname, '../../bin/bouncewatch.js'), db, ['journal'], port, []);
      try {
        expect(await serve.serving, serve.out()).toBe(true);
        const linesRead = async (): Promise<number> => {
          const r = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
          return r?.ok ? ((await r.json()) as { lines_read: number }).lines_read : -1;
        };
        // Until it has read every mail entry and then nothing more for a while.
        let last = -1;
        let still = 0;
        await waitUntil('serve to read the whole journal', async () => {
          const n = await linesRead();
          still = n === last ? still + 1 : 0;
          last = n;
          return n >= entries && still >= 4;
        }, 90_000, 250);
        expect(last).toBe(entries);
      } finally {
        expect(await stopClean(serve), serve.out()).toBe(0);
      }
      expect(checkTruth(truth, await readBouncewatch(db))).toEqual([]);
    }, 150_000);
  });
}
