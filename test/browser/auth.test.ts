// Token auth of the dashboard: API calls without the token get 401 JSON, with a Bearer header 200;
// pages redirect to the log-in page, whose form sets an HttpOnly SameSite=Strict session cookie
// (never the token). Plain HTTP, plus the same flow in Chromium when it is there (the log-in page
// must load without a token).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { browserAvailable, FIXTURE_LOGS, fixtureYear, importLogs, launchBrowser, newPage, ready, screenshot, serve, type Served } from './harness.ts';

const TOKEN = 'test-token-0123456789abcdef';
const withBrowser = browserAvailable('log-in flow in Chromium');

describe('token auth', { timeout: 120_000 }, () => {
  let tmp = '';
  let served: Served;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bw-auth-'));
    importLogs(path.join(tmp, 'bw.db'), fixtureYear(), FIXTURE_LOGS);
    served = await serve(path.join(tmp, 'bw.db'), { token: TOKEN });
  });

  afterAll(async () => {
    await served?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const login = (token: string) =>
    fetch(`${served.url}login`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });

  it('API: 401 JSON without the token, 200 with Authorization: Bearer', async () => {
    const anon = await fetch(`${served.url}api/summary`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('content-type')).toMatch(/json/);
    expect(typeof ((await anon.json()) as { error?: unknown }).error).toBe('string');
    const wrong = await fetch(`${served.url}api/summary`, { headers: { Authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${served.url}api/summary`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { accepted: number }).accepted).toBeGreaterThan(0);
  });

  it('pages redirect to /login.html, which loads without the token', async () => {
    const page = await fetch(served.url, { redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/login.html');
    const form = await fetch(`${served.url}login.html`);
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toMatch(/<form method="post" action="login">/);
    expect(html).toMatch(/name="token"/);
    const css = await fetch(`${served.url}login.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
  });

  it('the log-in form sets an HttpOnly SameSite=Strict cookie that opens the API and the pages', async () => {
    const bad = await login('wrong-token-wrong-token');
    expect(bad.status).toBeGreaterThanOrEqual(300);
    expect(bad.status).toBeLessThan(400);
    expect(bad.headers.get('location')).toMatch(/^\/login\.html/);
    expect(bad.headers.getSetCookie()).toEqual([]);

    const res = await login(TOKEN);
    expect([302, 303]).toContain(res.status);
    expect(res.headers.get('location')).toBe('/');
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const cookie = cookies[0]!;
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Strict/i);
    const pair = cookie.split(';')[0]!;
    const api = await fetch(`${served.url}api/summary`, { headers: { cookie: pair } });
    expect(api.status).toBe(200);
    const home = await fetch(served.url, { headers: { cookie: pair }, redirect: 'manual' });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('<h1>Overview</h1>');
  });

  it.skipIf(!withBrowser)('in Chromium: redirected to log in, then the overview loads', async () => {
    const browser = await launchBrowser();
    try {
      const w = await newPage(browser);
      await w.page.goto(served.url);
      expect(new URL(w.page.url()).pathname).toBe('/login.html');
      await screenshot(w.page, 'login-1280.png');
      await w.page.fill('#token', TOKEN);
      await w.page.click('button[type="submit"]');
      await w.page.waitForURL((u) => u.pathname === '/');
      await ready(w.page);
      // What the browser keeps is a session id that expires, not the token.
      const cookies = await w.context.cookies();
      expect(cookies.map((c) => c.name)).toEqual(['bw_session']);
      expect(cookies[0]!.value).not.toContain(TOKEN);
      expect(cookies[0]!.expires).toBeGreaterThan(Date.now() / 1000 + 11 * 3600);
      expect(cookies[0]!.httpOnly).toBe(true);
      expect(cookies[0]!.sameSite).toBe('Strict');
      expect(await w.page.textContent('.tile[data-key="accepted"] .tile-value')).not.toBe('');
      expect(w.problems).toEqual([]);
      expect(w.dialogs).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
