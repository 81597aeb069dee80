// `serve --log journal` against a real systemd-journald, started standalone by this test (no
// systemd as PID 1: ../shared/docs/real-parts.md). The lines a real Postfix wrote in the e2e
// harness (test/fixtures/postfix-e2e/mail-rfc3339.log) are sent to journald's syslog socket
// with their own identifiers and pids, in parts, while serve follows, is killed with SIGKILL
// and started again, and the journal is rotated. Then: every line counted exactly once (the
// lines sent are the ground truth), and every message as the harness's truth.json says.
// journald is machine-wide: the journal is emptied first, and only this file starts one.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTruth, readBouncewatch } from '../e2e/check-truth.ts';
import { acquireJournaldLock } from '../e2e/lib/e2e-lock.ts';
import type { Truth } from '../e2e/lib/truth.ts';
import { cliEntry } from './lib/cli-entry.ts';
import { freePort, killHard, logEntries, runCli, startServe as startServeProcess, stopClean, type ServeRun } from './lib/serve-process.ts';

const JOURNALD = '/lib/systemd/systemd-journald';
const SOCKET_DIR = '/run/systemd/journal';
const DEV_LOG = join(SOCKET_DIR, 'dev-log');
const FIXTURE = join(import.meta.dirname, '../fixtures/postfix-e2e');
const SERVE_FLAGS = ['--batch-lines', '25', '--batch-ms', '20', '--poll-ms', '20'];

const root = process.getuid?.() === 0;
const tools = existsSync(JOURNALD) && spawnSync('logger', ['--version']).status === 0 && spawnSync('journalctl', ['--version']).status === 0;
const enabled = root && tools;
if (!enabled) {
  const why = !root ? 'needs root (journald binds /run/systemd/journal)' : `needs ${JOURNALD}, journalctl and logger (package systemd, bsdutils)`;
  if (process.env.CI === 'true') throw new Error(`CI=true: journal follow test ${why}`);
  console.warn(`SKIPPED: journal follow test: ${why}`);
}

/** `2026-12-03T12:48:58.991849+00:00 mx1 postfix/smtpd[9000]: text` -> identifier, pid, text. */
const LINE = /^\S+ \S+ ([^\s[:]+)\[(\d+)\]: (.*)$/;
const sent = readFileSync(join(FIXTURE, 'mail-rfc3339.log'), 'utf8').split('\n').filter((l) => l !== '').map((l) => {
  const m = LINE.exec(l);
  if (!m) throw new Error(`fixture line without identifier and pid: ${l}`);
  return { ident: m[1]!, pid: m[2]!, text: m[3]! };
});

let journald: ChildProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'bw-journal-'));
let entry = '';
let dispose = () => undefined as void;

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends lines [from, to) to journald as syslog datagrams, each with its identifier and pid. */
function send(from: number, to: number): void {
  for (const l of sent.slice(from, to)) {
    execFileSync('logger', ['--socket', DEV_LOG, '--socket-errors=on', '-p', 'mail.info', '-t', l.ident, `--id=${l.pid}`, '--', l.text]);
  }
}

/** Mail entries in the journal now. */
const journalCount = () =>
  execFileSync('journalctl', ['-q', '--no-pager', '-o', 'cat', 'SYSLOG_FACILITY=2']).toString().split('\n').filter((l) => l !== '').length;

const linesRead = async (run: ServeRun): Promise<number> => {
  const r = await fetch(`http://127.0.0.1:${run.port}/healthz`).catch(() => undefined);
  return r?.ok ? ((await r.json()) as { lines_read: number }).lines_read : -1;
};

let releaseLock: (() => Promise<void>) | undefined;
/** Every serve started, killed at the end whatever happened (a failed test leaves none running). */
const started: ServeRun[] = [];
const startServe = (...args: Parameters<typeof startServeProcess>): ServeRun => {
  const run = startServeProcess(...args);
  started.push(run);
  return run;
};

beforeAll(async () => {
  if (!enabled) return;
  // One journald per machine: test/e2e/postfix-journal.e2e.test.ts starts one too.
  // Waits out the e2e's whole run (its /dev/log wait, the harness, its reading of the journal).
  releaseLock = await acquireJournaldLock('test/daemon/journal-follow.test.ts', 480_000);
  if (spawnSync('pgrep', ['-x', 'systemd-journal']).status === 0) throw new Error('a systemd-journald is already running: stop it first (one per machine)');
  // A fresh journal: entries of earlier runs would be followed too.
  for (const d of ['/var/log/journal', '/run/log/journal']) rmSync(d, { recursive: true, force: true });
  mkdirSync(SOCKET_DIR, { recursive: true });
  mkdirSync('/var/log/journal', { recursive: true });
  journald = spawn(JOURNALD, [], { stdio: 'ignore' });
  await waitFor('journald to bind its syslog socket', () => existsSync(DEV_LOG));
  ({ entry, dispose } = await cliEntry());
}, 600_000);

afterAll(async () => {
  for (const run of started) await killHard(run);
  if (journald && journald.exitCode === null) {
    const gone = new Promise((r) => journald!.once('exit', r));
    journald.kill('SIGTERM');
    await gone;
  }
  dispose();
  rmSync(dir, { recursive: true, force: true });
  await releaseLock?.();
});

describe.skipIf(!enabled)('serve --log journal, with a real journald', { timeout: 300_000 }, () => {
  it('reads every mail entry once across SIGKILLs and a rotation, and each message as the harness sent it', async () => {
    const db = join(dir, 'journal.db');
    const port = await freePort();
    const parts = [0, 120, 260, 400, 530, sent.length];
    let run = startServe(entry, db, ['journal'], port, SERVE_FLAGS);
    expect(await run.serving, run.out()).toBe(true);
    for (let i = 0; i + 1 < parts.length; i++) {
      send(parts[i]!, parts[i + 1]!);
      if (i === 2) execFileSync('journalctl', ['--rotate']);
      // Killed while it reads (some of the part not yet committed), then started again.
      await waitFor('serve to read some of the part', async () => (await linesRead(run)) > 0);
      await killHard(run);
      run = startServe(entry, db, ['journal'], port, SERVE_FLAGS);
      expect(await run.serving, run.out()).toBe(true);
    }
    await waitFor('journald to hold every line', () => journalCount() >= sent.length);
    // Every line committed: the database counts as many lines as were sent, no more.
    await waitFor('serve to commit every line', async () => {
      const r = JSON.parse(await runCli(entry, ['report', '--db', db, '--json'])) as { lines: { total: number } };
      return r.lines.total >= sent.length;
    }, 60_000);
    expect(await stopClean(run)).toBe(0);
    const lines = async () => (JSON.parse(await runCli(entry, ['report', '--db', db, '--json'])) as { lines: { total: number; mail: number } }).lines;
    expect(await lines()).toMatchObject({ total: sent.length, mail: sent.length });
    const out = await readBouncewatch(db);
    const truth = JSON.parse(readFileSync(join(FIXTURE, 'truth.json'), 'utf8')) as Truth;
    expect(checkTruth(truth, out)).toEqual([]);
    // The journal's cursor is committed: a restart reads nothing again.
    const again = startServe(entry, db, ['journal'], port, SERVE_FLAGS);
    expect(await again.serving, again.out()).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(await stopClean(again)).toBe(0);
    expect((await lines()).total).toBe(sent.length);
  });

  it('says how many entries are gone when the journal was vacuumed past where it stopped', async () => {
    const db = join(dir, 'vacuum.db');
    const port = await freePort();
    send(0, 20);
    let run = startServe(entry, db, ['journal'], port, SERVE_FLAGS);
    expect(await run.serving, run.out()).toBe(true);
    await waitFor('serve to read the journal', async () => (await linesRead(run)) >= 20);
    expect(await stopClean(run)).toBe(0);
    // While it is stopped: more mail, then the files holding its cursor are rotated away and vacuumed.
    send(20, 40);
    execFileSync('journalctl', ['--rotate']);
    send(40, 50);
    execFileSync('journalctl', ['--rotate']);
    // Two files stay, the active one (empty) and the newest archived one (40-50): the file
    // holding the cursor is gone.
    execFileSync('journalctl', ['--vacuum-files=2']);
    expect(journalCount()).toBe(10);
    run = startServe(entry, db, ['journal'], port, SERVE_FLAGS);
    expect(await run.serving, run.out()).toBe(true);
    await waitFor('serve to read what is left', async () => (await linesRead(run)) >= 10);
    expect(await stopClean(run)).toBe(0);
    const warned = logEntries(run).filter((e) => String(e.msg).startsWith('journal entries'));
    expect(warned.length, run.out()).toBe(1);
  });

  it('starts journalctl again when it dies, after the last entry read: nothing lost, nothing twice', async () => {
    const db = join(dir, 'dies.db');
    const port = await freePort();
    const before = journalCount();
    const run = startServe(entry, db, ['journal'], port, SERVE_FLAGS);
    expect(await run.serving, run.out()).toBe(true);
    await waitFor('serve to read the journal', async () => (await linesRead(run)) >= before);
    const child = () => spawnSync('pgrep', ['-f', '-P', String(run.child.pid), 'journalctl']).stdout.toString().trim();
    const first = child();
    expect(first, 'serve runs journalctl').not.toBe('');
    spawnSync('kill', ['-KILL', ...first.split('\n')]);
    // Written while journalctl is down, and after it is back.
    send(0, 30);
    await waitFor('journalctl started again', () => child() !== '' && child() !== first);
    send(30, 60);
    await waitFor('serve to read every entry', async () => (await linesRead(run)) >= before + 60);
    await new Promise((r) => setTimeout(r, 300));
    expect(await stopClean(run)).toBe(0);
    expect(logEntries(run).some((e) => String(e.msg).startsWith('journalctl stopped'))).toBe(true);
    const counted = JSON.parse(await runCli(entry, ['report', '--db', db, '--json'])) as { lines: { total: number } };
    expect(counted.lines.total).toBe(before + 60);
  });
});
