// A command whose reader closes early (`bouncewatch messages --json | head -1`) must end
// quietly with status 0, like every Unix tool: the real CLI, piped into a reader that stops.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliOk } from './run-cli.ts';

const BIN = fileURLToPath(new URL('../../bin/bouncewatch.js', import.meta.url));
/** Far more output than a pipe holds (64 KiB), so the writer meets the closed pipe. */
const MESSAGES = 3000;

/** One delivered Postfix message per queue id, in the shape of test/fixtures/postfix-e2e. */
function log(): string {
  const out: string[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const q = (0x1a0000 + i).toString(16).toUpperCase().padStart(10, '0');
    const t = `Nov 27 ${String(10 + Math.floor(i / 3600)).padStart(2, '0')}:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`;
    out.push(
      `${t} mx1 postfix/smtpd[100]: ${q}: client=unknown[192.0.2.${(i % 250) + 1}]`,
      `${t} mx1 postfix/cleanup[101]: ${q}: message-id=<m${i}@example.net>`,
      `${t} mx1 postfix/qmgr[102]: ${q}: from=<s${i}@example.net>, size=900, nrcpt=1 (queue active)`,
      `${t} mx1 postfix/local[103]: ${q}: to=<u${i % 7}@mx1.test>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)`,
      `${t} mx1 postfix/qmgr[102]: ${q}: removed`,
    );
  }
  return `${out.join('\n')}\n`;
}

let db: string;

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-epipe-'));
  const file = join(dir, 'mail.log');
  writeFileSync(file, log());
  db = join(dir, 'bw.db');
  cliOk(['import', '--db', db, '--year', '2026', file]);
}, 60_000);

/** Runs the command, reads its first line, then closes its stdout as `head -1` does. */
function firstLineThenClose(args: string[]): Promise<{ first: string; code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let first = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0 && !first) {
        first = out.slice(0, nl);
        child.stdout.destroy();
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ first, code, signal, stderr }));
  });
}

describe('a reader that closes early', () => {
  it.each([
    ['messages --json', ['messages', '--json']],
    ['messages', ['messages']],
  ])('%s: status 0, no stack trace', async (_name, args) => {
    const r = await firstLineThenClose([...args, '--db', db]);
    expect(r.first.length).toBeGreaterThan(0);
    expect(r.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
  }, 60_000);

  it('the first line is whole', async () => {
    const r = await firstLineThenClose(['messages', '--json', '--db', db]);
    expect(JSON.parse(r.first)).toMatchObject({ queue_id: '00001A0000', outcome: 'delivered' });
  }, 60_000);
});
