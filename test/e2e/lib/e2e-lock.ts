// A machine-wide lock around /dev/log, the one thing the MTA harnesses cannot each have their
// own copy of: every harness runs its own rsyslogd on /dev/log (glibc's syslog(3) writes there,
// whatever the MTA). Vitest runs test files in parallel (pool forks), so the Postfix and the
// Exim end-to-end tests would otherwise race for it; startRsyslog() takes this lock and gives
// it back when its rsyslogd has exited. The lock file holds the owner's pid: a lock whose
// owner is gone (killed test run) is taken over. Re-entrant within one process.
// The same kind of lock guards the one systemd-journald a machine can run (JOURNALD_LOCK): the
// journald e2e (journald.ts) and test/daemon/journal-follow.test.ts each start one and empty
// the journal first. Whoever needs both takes the journald lock first, then /dev/log.
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { pidAlive } from './processes.ts';
import { sleep } from './proc-net.ts';

export const DEVLOG_LOCK = process.env.BW_E2E_LOCK ?? '/tmp/bouncewatch-e2e-devlog.lock';
/** In /run: a reboot (which also ends any journald) clears it. */
export const JOURNALD_LOCK = process.env.BW_E2E_JOURNALD_LOCK ?? '/run/bouncewatch-e2e-journald.lock';
/** Long enough for the other harness to finish a whole run. */
const DEFAULT_WAIT_MS = Number(process.env.BW_E2E_LOCK_WAIT_MS ?? 240_000);

/** How many times this process holds each lock file (re-entrant). */
const held = new Map<string, number>();
let exitHook = false;

async function holder(file: string): Promise<number | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  const pid = Number(text.trim().split(/\s+/)[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : 0;
}

/** The /dev/log lock (see acquireLock). */
export async function acquireDevLogLock(who: string, waitMs = DEFAULT_WAIT_MS, file = DEVLOG_LOCK): Promise<() => Promise<void>> {
  return await acquireLock(file, who, waitMs, 'another e2e harness owns /dev/log');
}

/** The journald lock (see acquireLock): held while a test runs its journald and reads the journal. */
export async function acquireJournaldLock(who: string, waitMs = Number(process.env.BW_E2E_LOCK_WAIT_MS ?? 300_000)): Promise<() => Promise<void>> {
  return await acquireLock(JOURNALD_LOCK, who, waitMs, 'another test runs systemd-journald');
}

/**
 * Waits for the lock file (up to waitMs) and returns its release function. `who` is written into
 * the lock file so that a waiting run can say what it waits for.
 */
export async function acquireLock(file: string, who: string, waitMs: number, busy: string): Promise<() => Promise<void>> {
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    const n = (held.get(file) ?? 1) - 1;
    if (n > 0) {
      held.set(file, n);
      return;
    }
    held.delete(file);
    if ((await holder(file)) === process.pid) await rm(file, { force: true });
  };
  const n = held.get(file) ?? 0;
  if (n > 0) {
    held.set(file, n + 1);
    return release;
  }
  const deadline = Date.now() + waitMs;
  let announced = false;
  for (;;) {
    try {
      const fh = await open(file, 'wx', 0o644);
      await fh.writeFile(`${process.pid} ${who}\n`);
      await fh.close();
      held.set(file, 1);
      if (!exitHook) {
        exitHook = true;
        // A run that dies without its finally blocks must not leave a lock naming a live pid.
        process.on('exit', () => {
          for (const f of held.keys()) rmSync(f, { force: true });
        });
      }
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = await holder(file);
    // 0: a lock file still being written (or garbage: stale after a few seconds); null: it just went away.
    const garbage = pid === 0 && Date.now() - ((await stat(file).catch(() => null))?.mtimeMs ?? Date.now()) > 5000;
    if (garbage || (pid !== null && pid !== 0 && !pidAlive(pid))) {
      // Stale: move it aside atomically (only one waiter wins the rename), then retry.
      await rename(file, `${file}.stale.${process.pid}`).then(() => rm(`${file}.stale.${process.pid}`, { force: true }), () => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      const text = (await readFile(file, 'utf8').catch(() => '')).trim();
      throw new Error(`timed out after ${waitMs} ms waiting for ${file} (held by: ${text || '?'}); ${busy}`);
    }
    if (!announced && process.env.BW_E2E_VERBOSE === '1') {
      announced = true;
      console.error(`${who}: waiting for ${file} (held by pid ${pid ?? '?'})`);
    }
    await sleep(250);
  }
}
