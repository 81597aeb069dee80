// `serve` start-up, on the real CLI: what a first start follows (the usual files, else the
// journal, else the demo), a configured log that is not there yet (waited for, as tail -F does),
// one that cannot be read (stops, naming group adm), and the dashboard's URL.
// BOUNCEWATCH_TEST_USUAL_LOGS (tests only) replaces the usual files' list, and a fake
// `journalctl` first on PATH answers the discovery's question, so this machine's own
// /var/log/mail.log and journal change nothing here.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOk } from '../cli/run-cli.ts';
import { cliEntry } from './lib/cli-entry.ts';
import { freePort, logEntries, startServe, stopClean, type ServeRun } from './lib/serve-process.ts';

const POSTFIX_LOG = fileURLToPath(new URL('../../demo/postfix-mail.log', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bw-start-'));
chmodSync(dir, 0o755);
const fakeBin = join(dir, 'bin');
const journalEntries = join(dir, 'journal-entries.json');
let entry: Awaited<ReturnType<typeof cliEntry>>;

// The serve processes inherit this environment: none of the caller's BOUNCEWATCH_* settings.
for (const k of Object.keys(process.env)) if (k.startsWith('BOUNCEWATCH_')) delete process.env[k];
process.env.PATH = `${fakeBin}:${process.env.PATH ?? ''}`;

beforeAll(async () => {
  entry = await cliEntry();
  // Prints the entries file for the discovery's `-n 1`; following is not this test's concern.
  spawnSync('mkdir', ['-p', fakeBin]);
  writeFileSync(join(fakeBin, 'journalctl'), `#!/bin/sh\ncase " $* " in *" -n "*) cat "${journalEntries}" 2>/dev/null ;; esac\nexit 0\n`, { mode: 0o755 });
});
afterAll(() => {
  entry.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function firstStart(name: string, usual: string[]): Promise<ServeRun> {
  process.env.BOUNCEWATCH_TEST_USUAL_LOGS = usual.join(',');
  try {
    return startServe(entry.entry, join(dir, `${name}.db`), [], await freePort(), []);
  } finally {
    delete process.env.BOUNCEWATCH_TEST_USUAL_LOGS;
  }
}

const messages = (run: ServeRun) => logEntries(run).map((e) => String(e.msg));

describe('a first start (no log configured) finds the server', () => {
  it('follows a usual file that exists, and says so', async () => {
    const log = join(dir, 'usual-mail.log');
    copyFileSync(POSTFIX_LOG, log);
    const run = await firstStart('usual', [join(dir, 'no-maillog'), log]);
    try {
      expect(await run.serving, run.out()).toBe(true);
      const found = logEntries(run).find((e) => String(e.msg).startsWith('following '));
      expect(found, run.out()).toMatchObject({ level: 30, logs: [log] });
      expect(String(found?.msg)).toContain('usual mail logs exist');
      const health = async () => (await (await fetch(`http://127.0.0.1:${run.port}/healthz`)).json()) as { demo: boolean; lines_read: number };
      await until('the usual file read', async () => (await health()).lines_read === readFileSync(log, 'utf8').split('\n').length - 1);
      expect((await health()).demo).toBe(false);
    } finally {
      expect(await stopClean(run)).toBe(0);
    }
  });

  it('follows the journal when no usual file exists and the journal has mail entries', async () => {
    writeFileSync(journalEntries, `${JSON.stringify({ SYSLOG_IDENTIFIER: 'postfix/qmgr', SYSLOG_FACILITY: '2', MESSAGE: 'ABC123: removed' })}\n`);
    const run = await firstStart('journal', [join(dir, 'none-1'), join(dir, 'none-2')]);
    try {
      await until('the discovery line', () => messages(run).some((m) => m.startsWith('following journal')) || run.child.exitCode !== null);
      const found = logEntries(run).find((e) => String(e.msg).startsWith('following journal'));
      expect(found, run.out()).toMatchObject({ level: 30, logs: ['journal'] });
      expect(String(found?.msg)).toContain('the systemd journal has mail entries');
      expect(messages(run).some((m) => m.includes('demo'))).toBe(false);
    } finally {
      await stopClean(run);
      rmSync(journalEntries, { force: true });
    }
  });

  it('serves the demo only when there is neither', async () => {
    const run = await firstStart('neither', [join(dir, 'none-1')]);
    try {
      expect(await run.serving, run.out()).toBe(true);
      const warn = logEntries(run).find((e) => String(e.msg).includes('serving a demo database'));
      expect(warn, run.out()).toMatchObject({ level: 40 });
      expect(String(warn?.msg)).toContain('none of');
      expect(String(warn?.msg)).toContain('the journal: no mail entries');
      expect(messages(run).some((m) => m.startsWith('following '))).toBe(false);
    } finally {
      expect(await stopClean(run)).toBe(0);
    }
  });
});

describe('configured logs at start-up', () => {
  it('waits for a configured file that does not exist yet, with a warning, and reads it when it appears', async () => {
    const log = join(dir, 'later', 'mail.log');
    const port = await freePort();
    const run = startServe(entry.entry, join(dir, 'later.db'), [log], port);
    try {
      expect(await run.serving, run.out()).toBe(true);
      const warn = logEntries(run).find((e) => e.level === 40 && String(e.msg).includes('does not exist yet'));
      expect(warn, run.out()).toMatchObject({ log });
      expect(String(warn?.msg)).toContain('waiting for it');
      spawnSync('mkdir', ['-p', join(dir, 'later')]);
      copyFileSync(POSTFIX_LOG, log);
      const ref = join(dir, 'later-ref.db');
      cliOk(['import', '--db', ref, log]);
      const want = JSON.parse(cliOk(['report', '--db', ref, '--json'])) as { accepted: number };
      expect(want.accepted).toBeGreaterThan(10);
      const summary = async () => (await (await fetch(`http://127.0.0.1:${port}/api/summary`)).json()) as { accepted: number };
      await until('its lines in /api/summary', async () => (await summary()).accepted === want.accepted);
    } finally {
      expect(await stopClean(run)).toBe(0);
    }
  });

  // Root reads anything: the refusal is seen as another user.
  const asNobody = process.getuid?.() === 0 && spawnSync('runuser', ['--help']).status === 0;
  if (process.env.CI === 'true' && !asNobody) throw new Error('the unreadable-log test needs root and runuser in CI');

  it.skipIf(!asNobody)('stops on a configured file it cannot read, naming group adm (as user nobody)', () => {
    const log = join(dir, 'secret-mail.log');
    writeFileSync(log, 'x\n', { mode: 0o000 });
    chmodSync(log, 0o000);
    const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, entry.entry, 'serve', '--db', join(dir, 'nobody.db'), '--log', log, '--listen', '127.0.0.1:0'],
      { encoding: 'utf8', timeout: 30_000, cwd: dir });
    expect(r.status, r.stderr).not.toBe(0);
    expect(r.status).not.toBeNull();
    expect(r.stderr).toContain(`cannot read ${log}`);
    expect(r.stderr).toMatch(/group adm/);
  });

  it('checks a journal directory, not a journal or standard input', () => {
    const r = spawnSync(process.execPath, [entry.entry, 'serve', '--db', join(dir, 'jd.db'), '--log', `journal:${join(dir, 'no-such-dir')}`, '--listen', '127.0.0.1:0'],
      { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`journal:${join(dir, 'no-such-dir')}: no such directory`);
    const p = spawnSync(process.execPath, [entry.entry, 'config', 'print', '--log', 'journal', '--log', '-'], { encoding: 'utf8', timeout: 30_000 });
    expect(p.status, p.stderr).toBe(0);
    expect((JSON.parse(p.stdout) as { logs: string[] }).logs).toEqual(['journal', '-']);
  });
});

describe('following the journal without journalctl', () => {
  it('stops start-up with the fix, and leaves no lock behind', () => {
    const db = join(dir, 'nojournalctl.db');
    const run = () => spawnSync(process.execPath, [entry.entry, 'serve', '--db', db, '--log', 'journal', '--listen', '127.0.0.1:0'],
      { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PATH: join(dir, 'empty-path') } });
    const r = run();
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('journalctl not found');
    // A second try is refused for the same reason, not for a lock the first one left.
    expect(run().stderr).toContain('journalctl not found');
  });
});

describe('the start-up message', () => {
  for (const [listen, url, anyAddress] of [
    ['127.0.0.1', (p: number) => `http://127.0.0.1:${p}/`, false],
    ['[::1]', (p: number) => `http://[::1]:${p}/`, false],
    ['0.0.0.0', (p: number) => `http://0.0.0.0:${p}/`, true],
  ] as const) {
    it(`prints the dashboard's URL (listen ${listen})`, async () => {
      const port = await freePort();
      const flags = ['--listen', `${listen}:${port}`, ...(anyAddress ? ['--token', 'a-token-of-sixteen-chars'] : [])];
      const run = startServe(entry.entry, join(dir, `url-${port}.db`), [join(dir, 'url-mail.log')], port, flags);
      try {
        expect(await run.serving, run.out()).toBe(true);
        const line = logEntries(run).find((e) => String(e.msg).startsWith('dashboard: '));
        expect(line, run.out()).toMatchObject({ level: 30 });
        expect(String(line?.msg).split(' ')[1]).toBe(url(port));
        expect(String(line?.msg).includes('any address of this host works')).toBe(anyAddress);
      } finally {
        expect(await stopClean(run)).toBe(0);
      }
    });
  }
});
