// Issue 12 item 8 through real `bouncewatch serve` processes: whether a token is needed is
// decided on the address the listen name resolves to, not on its spelling; the configured host
// names reach the Host check; failed log-ins are logged with address and path, never the guess.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../cli/run-cli.ts';
import { ask, form } from './http.ts';

const BIN = fileURLToPath(new URL('../../bin/bouncewatch.js', import.meta.url));
const LOG = fileURLToPath(new URL('../fixtures/postfix-e2e/mail.log', import.meta.url));
const TOKEN = 'serve-token-0123456789abcdef';
const GUESS = 'serve-guess-8e1f0a2b3c';

interface Serving {
  p: ChildProcess;
  out: () => string;
  /** Resolves with the address served ("[::1]:41234"), or with null when serve exited. */
  started: Promise<string | null>;
}

const running: ChildProcess[] = [];

function serve(args: string[], env: Record<string, string> = {}): Serving {
  const db = join(mkdtempSync(join(tmpdir(), 'bw-serve-hard-')), 'bw.db');
  const p = spawn(process.execPath, [BIN, 'serve', '--db', db, '--log', LOG, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  running.push(p);
  let out = '';
  const started = new Promise<string | null>((resolve) => {
    p.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"address":"([^"]+)".*"msg":"bouncewatch serving"/.exec(out);
      if (m) resolve(m[1]!);
    });
    p.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    p.once('exit', () => resolve(null));
  });
  return { p, out: () => out, started };
}

afterEach(() => {
  for (const p of running.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
});

describe('serve: token-less only on a loopback address', () => {
  it('refuses a listen name that merely starts like a loopback address', async () => {
    const s = serve(['--listen', '127.0.0.1.example.test:0']);
    const started = await Promise.race([s.started, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000))]);
    expect(started, s.out()).toBeNull();
    expect(s.p.exitCode).not.toBe(0);
    expect(s.out()).toMatch(/config key "listen" \(127\.0\.0\.1\.example\.test:0\)/);
    expect(s.out()).not.toContain('bouncewatch serving');
  }, 30_000);

  it('serves without a token on ::1 in any spelling', async () => {
    for (const listen of ['[0:0:0:0:0:0:0:1]:0', '[::0001]:0']) {
      const s = serve(['--listen', listen]);
      const address = await s.started;
      expect(address, s.out()).toMatch(/^\[::1\]:\d+$/);
      expect((await ask(`http://${address}`, { path: '/healthz' })).status).toBe(200);
      s.p.kill('SIGTERM');
    }
  }, 30_000);
});

describe('serve: host names and failed log-ins', () => {
  it('accepts the configured host names, refuses others, and logs failed log-ins without the guess', async () => {
    const s = serve(['--listen', '127.0.0.1:0'], { BOUNCEWATCH_HOSTNAMES: 'dash.example.org,mx1.example.org', BOUNCEWATCH_TOKEN: TOKEN });
    const address = await s.started;
    expect(address, s.out()).not.toBeNull();
    const base = `http://${address}`;
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await ask(base, { path: '/api/summary', headers: { ...auth, host: 'dash.example.org' } })).status).toBe(200);
    expect((await ask(base, { path: '/api/summary', headers: { ...auth, host: 'mx1.example.org:9825' } })).status).toBe(200);
    expect((await ask(base, { path: '/api/summary', headers: { ...auth, host: 'evil.example.net' } })).status).toBe(421);

    expect((await ask(base, { method: 'POST', path: '/login', ...form({ token: GUESS }) })).status).toBe(303);
    expect((await ask(base, { path: '/api/summary', headers: { authorization: `Bearer ${GUESS}` } })).status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    const lines = s.out().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const failed = lines.filter((l) => l.level === 40 && l.client === '127.0.0.1');
    expect(failed.map((l) => l.path)).toEqual(['/login', '/api/summary']);
    expect(s.out()).not.toContain(GUESS);
  }, 30_000);
});

describe('config key hostnames', () => {
  it('is a list from the environment or a flag, and a bad one stops start-up naming the key', () => {
    const printed = (args: string[]) => JSON.parse(cli(['config', 'print', ...args]).stdout) as Record<string, unknown>;
    expect(printed([])).toMatchObject({ hostnames: [] });
    expect(printed(['--hostnames', 'dash.example.org,MX1.example.org'])).toMatchObject({ hostnames: ['dash.example.org', 'MX1.example.org'] });
    for (const bad of ['http://dash.example.org/', 'dash.example.org:9825', 'a b']) {
      const r = cli(['config', 'print', '--hostnames', bad]);
      expect(r.status, bad).not.toBe(0);
      expect(r.stderr, bad).toMatch(/config key "hostnames" \(from flag --hostnames\): .*host name/);
    }
  });
});
