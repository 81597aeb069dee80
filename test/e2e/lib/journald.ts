// A standalone systemd-journald as a harness's syslog daemon (../shared/docs/real-parts.md):
// the journal emptied, journald started, /dev/log made a symlink to its syslog socket for the
// run and put back as it was when journald stops. journald is machine-wide (one per
// /run/systemd/journal, one journal): the journald lock (e2e-lock.ts) is held from before the
// journal is emptied until journald has exited; a test that reads the journal afterwards takes
// the same lock around the whole run (it is re-entrant). /dev/log is taken as rsyslog takes it.
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { acquireDevLogLock, acquireJournaldLock } from './e2e-lock.ts';
import { run, startDaemon, stopDaemon, type Daemon } from './processes.ts';
import { unixSocketBound, waitUntil } from './proc-net.ts';

export const JOURNALD = '/lib/systemd/systemd-journald';
export const JOURNALCTL = '/usr/bin/journalctl';
const SOCKET_DIR = '/run/systemd/journal';
export const JOURNAL_DEV_LOG = `${SOCKET_DIR}/dev-log`;
const DEV_LOG = '/dev/log';
const SAVED_DEV_LOG = '/dev/log.bouncewatch-e2e-saved';
/** Where journald keeps its files: emptied before a run, so only this run's entries are read. */
const JOURNAL_DIRS = ['/var/log/journal', '/run/log/journal'];

export interface Journald {
  /** The run is in this machine's journal (not in files, as rsyslog's). */
  journal: true;
  daemon: Daemon;
  /** Stops journald (it writes and closes its files) and puts /dev/log back. */
  stop(): Promise<void>;
}

/** What /dev/log was before the run, so that it can be put back. */
type DevLogBefore = { kind: 'none' } | { kind: 'symlink'; target: string } | { kind: 'moved' };

async function takeDevLog(): Promise<DevLogBefore> {
  if (await unixSocketBound(DEV_LOG)) throw new Error('another syslog daemon owns /dev/log; stop it first (see test/e2e/setup-debian.sh)');
  const st = await lstat(DEV_LOG).catch(() => null);
  let before: DevLogBefore = { kind: 'none' };
  if (st?.isSymbolicLink()) {
    before = { kind: 'symlink', target: await readlink(DEV_LOG) };
    await rm(DEV_LOG);
  } else if (st) {
    // A socket nobody serves (or a file): moved aside, moved back afterwards.
    await rm(SAVED_DEV_LOG, { force: true });
    await rename(DEV_LOG, SAVED_DEV_LOG);
    before = { kind: 'moved' };
  }
  await symlink(JOURNAL_DEV_LOG, DEV_LOG);
  return before;
}

async function restoreDevLog(before: DevLogBefore): Promise<void> {
  const st = await lstat(DEV_LOG).catch(() => null);
  // Only our own link is removed: anything else there now belongs to someone else.
  if (st?.isSymbolicLink() && (await readlink(DEV_LOG)) === JOURNAL_DEV_LOG) await rm(DEV_LOG);
  if (before.kind === 'symlink') await symlink(before.target, DEV_LOG).catch(() => undefined);
  if (before.kind === 'moved') await rename(SAVED_DEV_LOG, DEV_LOG).catch(() => undefined);
}

/** Removes every journal file (journald must not be running): before a run, and after its test has read it. */
export async function emptyJournal(): Promise<void> {
  for (const d of JOURNAL_DIRS) {
    for (const f of await readdir(d).catch(() => [])) await rm(path.join(d, f), { recursive: true, force: true });
  }
}

/** Mail entries (syslog facility mail) in this machine's journal now. */
export async function journalMailEntries(): Promise<number> {
  const r = await run(JOURNALCTL, ['-q', '--no-pager', '-o', 'cat', 'SYSLOG_FACILITY=2']);
  return r.stdout.split('\n').filter((l) => l !== '').length;
}

/** Empties the journal, starts journald and points /dev/log at it. */
export async function startJournald(who: string): Promise<Journald> {
  const releaseJournal = await acquireJournaldLock(`systemd-journald for ${who}`);
  let releaseDevLog: (() => Promise<void>) | null = null;
  let daemon: Daemon | null = null;
  let before: DevLogBefore | null = null;
  // Once, whoever comes first (stop(), journald exiting however it is stopped, a failed start).
  let givenBack: Promise<void> | null = null;
  const giveBack = (): Promise<void> => (givenBack ??= (async () => {
    if (before) await restoreDevLog(before).catch((e: unknown) => console.warn(`could not put /dev/log back: ${String(e)}`));
    if (releaseDevLog) await releaseDevLog();
    await releaseJournal();
  })());
  const undo = async (): Promise<void> => {
    if (daemon) await stopDaemon(daemon);
    await giveBack();
  };
  try {
    if ((await run('pgrep', ['-x', 'systemd-journal'])).code === 0) {
      throw new Error('a systemd-journald is already running (not ours): stop it first (one per machine)');
    }
    releaseDevLog = await acquireDevLogLock(`systemd-journald for ${who}`);
    await emptyJournal();
    await mkdir(SOCKET_DIR, { recursive: true });
    await mkdir('/var/log/journal', { recursive: true });
    before = await takeDevLog();
    const d = startDaemon('systemd-journald', JOURNALD, []);
    daemon = d;
    // Whatever stops it (stop(), the harness's finally, a failure): /dev/log back, locks given back.
    void d.exited.then(giveBack);
    await waitUntil('systemd-journald to bind its syslog socket', async () => {
      if (d.child.exitCode !== null) throw new Error(`systemd-journald exited early: ${d.output()}`);
      return existsSync(JOURNAL_DEV_LOG) && (await unixSocketBound(JOURNAL_DEV_LOG));
    }, 10_000);
    return { journal: true, daemon: d, stop: undo };
  } catch (e) {
    await undo();
    throw e;
  }
}
