// Issue 12 item 8, log-in and token over real HTTP: wrong guesses are delayed, limited per
// client address (then 429 with Retry-After) and logged without the guess; the cookie holds a
// session id that expires, never the token, and is Secure when served over TLS.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../src/http/app.ts';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { ask, form, importedStore, start, type Running } from './http.ts';

const TOKEN = 'limits-token-0123456789abcdef';
const WRONG = 'wrong-guess-5f3a9c1e7d';
let store: SqliteStore;

beforeAll(() => {
  store = importedStore().store;
});
afterAll(async () => {
  await store?.close();
});

/** The app with a token and a logger whose lines the test reads. */
async function guarded(extra: Partial<AppDeps> = {}): Promise<Running & { logged: Record<string, unknown>[] }> {
  const logged: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = await start({ store, health: () => ({ status: 'ok' }), token: TOKEN, log: pino(sink), ...extra });
  return { ...app, logged };
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const cookieOf = (setCookie: string[] | undefined) => String(setCookie?.[0] ?? '');

describe('wrong guesses', () => {
  it('Bearer: each is delayed and logged with address and path, never the guess; then 429 with Retry-After', async () => {
    const app = await guarded();
    try {
      for (let i = 0; i < 10; i++) {
        const r = await ask(app.base, { path: '/api/summary', headers: bearer(WRONG) });
        expect(r.status).toBe(401);
        expect(r.ms).toBeGreaterThanOrEqual(200);
      }
      const limited = await ask(app.base, { path: '/api/summary', headers: bearer(WRONG) });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
      // While limited, even the right token is not tried from that address: a guesser learns nothing.
      expect((await ask(app.base, { path: '/api/summary', headers: bearer(TOKEN) })).status).toBe(429);
      expect((await ask(app.base, { method: 'POST', path: '/login', ...form({ token: TOKEN }) })).status).toBe(429);
      const failures = app.logged.filter((l) => l.path === '/api/summary' && l.client === '127.0.0.1');
      expect(failures.length).toBeGreaterThanOrEqual(11);
      expect(failures.every((l) => l.level === 40)).toBe(true);
      expect(JSON.stringify(app.logged)).not.toContain(WRONG);
      expect(JSON.stringify(app.logged)).not.toContain(TOKEN);
    } finally {
      await app.close();
    }
  });

  it('log-in form: each is delayed and logged; then 429 with Retry-After', async () => {
    const app = await guarded();
    try {
      for (let i = 0; i < 10; i++) {
        const r = await ask(app.base, { method: 'POST', path: '/login', ...form({ token: `${WRONG}${i}` }) });
        expect(r.status).toBe(303);
        expect(r.headers.location).toMatch(/^\/login\.html\?failed=1/);
        expect(r.ms).toBeGreaterThanOrEqual(200);
      }
      const limited = await ask(app.base, { method: 'POST', path: '/login', ...form({ token: WRONG }) });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(app.logged.filter((l) => l.path === '/login' && l.client === '127.0.0.1').length).toBeGreaterThanOrEqual(11);
      expect(JSON.stringify(app.logged)).not.toContain(WRONG);
    } finally {
      await app.close();
    }
  });
});

describe('the session cookie', () => {
  it('holds a random session id with an expiry, never the token', async () => {
    const app = await guarded();
    try {
      const login = await ask(app.base, { method: 'POST', path: '/login', ...form({ token: TOKEN }) });
      expect(login.status).toBe(303);
      const cookie = cookieOf(login.headers['set-cookie']);
      expect(cookie).not.toContain(TOKEN);
      expect(cookie).not.toContain(encodeURIComponent(TOKEN));
      expect(cookie).toMatch(/^bw_session=[0-9a-f]{64};/);
      expect(cookie).toMatch(/; Max-Age=43200(;|$)/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Strict/);
      expect(cookie).not.toMatch(/; Secure/);
      expect((await ask(app.base, { path: '/api/summary', headers: { cookie: cookie.split(';')[0]! } })).status).toBe(200);
      // The old cookie, the raw token, opens nothing.
      expect((await ask(app.base, { path: '/api/summary', headers: { cookie: `bw_token=${TOKEN}` } })).status).toBe(401);
      expect((await ask(app.base, { path: '/api/summary', headers: { cookie: `bw_session=${TOKEN}` } })).status).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('expires on the server too', async () => {
    const app = await guarded({ sessionMs: 1000 });
    try {
      const login = await ask(app.base, { method: 'POST', path: '/login', ...form({ token: TOKEN }) });
      const cookie = cookieOf(login.headers['set-cookie']);
      expect(cookie).toMatch(/; Max-Age=1(;|$)/);
      const pair = cookie.split(';')[0]!;
      expect((await ask(app.base, { path: '/api/summary', headers: { cookie: pair } })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1200));
      expect((await ask(app.base, { path: '/api/summary', headers: { cookie: pair } })).status).toBe(401);
    } finally {
      await app.close();
    }
  });

  const openssl = spawnSync('openssl', ['version']).status === 0;
  if (!openssl) console.warn('SKIPPED: Secure cookie over TLS: openssl is missing');
  if (!openssl && process.env.CI === 'true') throw new Error('CI=true: openssl is missing for the Secure cookie over TLS test');

  it.skipIf(!openssl)('is Secure when served over TLS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-tls-'));
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const tls = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    const app = await start({ store, health: () => ({ status: 'ok' }), token: TOKEN }, '127.0.0.1', tls);
    try {
      const login = await ask(app.base, { method: 'POST', path: '/login', ...form({ token: TOKEN }) });
      expect(login.status).toBe(303);
      expect(cookieOf(login.headers['set-cookie'])).toMatch(/; Secure/);
    } finally {
      await app.close();
    }
  });
});
