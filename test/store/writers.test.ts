// One writer per database, with real processes: a second `import` of the same file waits for
// the first and adds nothing twice; `import` beside a running `serve` is refused naming it;
// serve started during an import waits for it; serve outlives another process holding the
// database past its busy timeout; a dead writer's lock is taken over and /healthz says so.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cli, cliOk, messagesJson } from '../cli/run-cli.ts';

const BIN = fileURLToPath(new URL('../../bin/bouncewatch.js', import.meta.url));
const SOURCE = fileURLToPath(new URL('../fixtures/postfix-e2e/mail.log', import.meta.url));
const LINES = readFileSync(SOURCE, 'utf8').split('\n').filter(Boolean);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  p: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function run(args: string[], stdin: 'pipe' | 'ignore' = 'ignore'): Proc {
  const p = spawn(process.execPath, [BIN, ...args], { stdio: [stdin, 'pipe', 'pipe'] });
  let out = '';
  p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
  return { p, out: () => out, exited };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, detail?: () => string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${detail ? `: ${detail()}` : ''}`);
    await sleep(50);
  }
}

/** What one import of the same lines gives: the ground truth for every case here. */
function reference(dir: string): { messages: unknown[]; report: unknown } {
  const log = join(dir, 'ref.log');
  const db = join(dir, 'ref.db');
  writeFileSync(log, LINES.map((l) => `${l}\n`).join(''));
  cliOk(['import', '--year', '2026', '--db', db, log]);
  return { messages: messagesJson(db), report: JSON.parse(cliOk(['report', '--db', db, '--json'])) };
}

function result(db: string): { messages: unknown[]; report: unknown } {
  return { messages: messagesJson(db), report: JSON.parse(cliOk(['report', '--db', db, '--json'])) };
}

/** Does the database's lock file name a holder in this role? */
function lockedBy(db: string, role: string): boolean {
  try {
    return readFileSync(`${db}.lock`, 'utf8').split('\n')[1] === role;
  } catch {
    return false;
  }
}

const health = async (port: number) => (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Record<string, unknown>;
const port = () => 21000 + Math.floor(Math.random() * 20000);

describe('one writer per database', () => {
  it('a second import of the same file waits for the first and adds nothing twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-writers-'));
    const log = join(dir, 'mail.log');
    const db = join(dir, 'bw.db');
    writeFileSync(log, LINES.map((l) => `${l}\n`).join(''));
    // The first import reads the file, then stdin, which the test keeps open: it holds the lock.
    const first = run(['import', '--year', '2026', '--db', db, log, '-'], 'pipe');
    await until('the first import to take the lock', () => lockedBy(db, 'import'), first.out);
    const second = run(['import', '--year', '2026', '--db', db, log]);
    await until('the second import to say it waits', () => second.out().includes('waiting for it to finish'));
    expect(second.out()).toMatch(new RegExp(`bouncewatch import \\(pid ${first.p.pid}\\) is writing to .*bw\\.db; waiting for it to finish`));
    first.p.stdin!.end();
    expect(await first.exited).toBe(0);
    expect(await second.exited).toBe(0);
    expect(second.out()).toContain('partly imported before');
    expect(result(db)).toEqual(reference(dir));
  }, 60_000);

  it('import of a file that serve follows is refused naming serve; serve waits for a running import', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-writers-'));
    const log = join(dir, 'mail.log');
    const db = join(dir, 'bw.db');
    writeFileSync(log, LINES.slice(0, 300).map((l) => `${l}\n`).join(''));
    // An import holds the database (stdin kept open): serve must wait, not write beside it.
    const imp = run(['import', '--year', '2026', '--db', db, '-'], 'pipe');
    await until('the import to take the lock', () => lockedBy(db, 'import'));
    const at = port();
    const serve = run(['serve', '--db', db, '--log', log, '--listen', `127.0.0.1:${at}`, '--batch-ms', '20', '--poll-ms', '20']);
    await until('serve to say it waits for the import', () => serve.out().includes('waiting for it to finish'));
    expect(serve.out()).toContain(`bouncewatch import (pid ${imp.p.pid}) is writing to`);
    imp.p.stdin!.end();
    expect(await imp.exited).toBe(0);
    await until('serve to start', () => serve.out().includes('bouncewatch serving'));

    const refused = cli(['import', '--year', '2026', '--db', db, log]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(new RegExp(`bouncewatch serve \\(pid ${serve.p.pid}\\) is writing to .*bw\\.db; serve imports what it follows`));

    appendFileSync(log, LINES.slice(300).map((l) => `${l}\n`).join(''));
    await until('serve to read every line', async () => (await health(at)).lines_read === LINES.length);
    serve.p.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    const got = result(db);
    const want = reference(dir);
    // serve guesses the year of classic lines from the clock; the lines are from 2026.
    expect(got).toEqual(want);
  }, 90_000);

  it('serve waits out another process holding the database, and loses and repeats nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-writers-'));
    const log = join(dir, 'mail.log');
    const db = join(dir, 'bw.db');
    writeFileSync(log, LINES.slice(0, 200).map((l) => `${l}\n`).join(''));
    const at = port();
    const serve = run(['serve', '--db', db, '--log', log, '--listen', `127.0.0.1:${at}`, '--batch-ms', '20', '--poll-ms', '20']);
    await until('serve to start', () => serve.out().includes('bouncewatch serving'));
    await until('the first lines', async () => (await health(at)).lines_read === 200);

    // Another process (as a long `report` refreshing rollups would) holds the write lock for 3 s.
    const other = new Database(db);
    other.pragma('busy_timeout = 5000');
    other.prepare('BEGIN IMMEDIATE').run();
    appendFileSync(log, LINES.slice(200).map((l) => `${l}\n`).join(''));
    await until('serve to find the database busy', async () => (await health(at)).waiting_for_database === true);
    await sleep(1500);
    expect(serve.p.exitCode).toBeNull();
    other.prepare('COMMIT').run();
    other.close();

    await until('serve to write the waiting batch', async () => {
      const h = await health(at);
      return h.waiting_for_database === false && h.lines_read === LINES.length && h.lines_pending === 0;
    });
    expect((await health(at)).busy_retries).toBeGreaterThan(0);
    expect(serve.out()).toContain('database busy (another process is writing)');
    serve.p.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(result(db)).toEqual(reference(dir));
  }, 90_000);

  it('takes over the lock of a writer that died, and says so in /healthz', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-writers-'));
    const log = join(dir, 'mail.log');
    const db = join(dir, 'bw.db');
    writeFileSync(log, '');
    const dead = run(['import', '--db', db, '-'], 'pipe');
    await until('the import to take the lock', () => lockedBy(db, 'import'));
    dead.p.kill('SIGKILL');
    await dead.exited;
    expect(readFileSync(`${db}.lock`, 'utf8')).toBe(`${dead.p.pid}\nimport\n`);
    const at = port();
    const serve = run(['serve', '--db', db, '--log', log, '--listen', `127.0.0.1:${at}`, '--poll-ms', '20']);
    await until('serve to start', () => serve.out().includes('bouncewatch serving'));
    expect((await health(at)).lock_taken_over_from).toEqual({ pid: dead.p.pid, role: 'import' });
    expect(serve.out()).toContain('took over the database lock of a process that is gone');
    serve.p.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  }, 60_000);
});
