// Shared set-up of the dashboard's browser tests: logs imported with the real CLI into a temp
// database, the real app in-process on a free port, and Debian's Chromium through playwright-core.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { createApp, type AppDeps } from '../../src/http/app.ts';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { openTestStore } from '../lib/store.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');
export const POSTFIX_FIXTURES = path.join(ROOT, 'test/fixtures/postfix-e2e');
export const EXIM_FIXTURES = path.join(ROOT, 'test/fixtures/exim-e2e');
export const FIXTURE_LOGS = [path.join(POSTFIX_FIXTURES, 'mail.log'), path.join(EXIM_FIXTURES, 'exim-syslog.log')];

/** Chromium is there; or a visible notice and false; in CI (CI=true) its absence is an error. */
export function browserAvailable(suite: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  const why = `${CHROMIUM} is missing (install it: apt-get install chromium, or bash test/e2e/setup-debian.sh)`;
  if (process.env.CI === 'true') throw new Error(`${suite}: ${why}; CI must run the browser tests`);
  console.warn(`SKIPPED: ${suite}: ${why}`);
  return false;
}

/** The year of the fixtures' classic syslog lines: the year their harness ran. */
export function fixtureYear(): number {
  const truth = JSON.parse(readFileSync(path.join(POSTFIX_FIXTURES, 'truth.json'), 'utf8')) as { generated_at: string };
  return new Date(truth.generated_at).getUTCFullYear();
}

/** `bouncewatch import --db DB --year YEAR FILE...`, as a user would run it. */
export function importLogs(db: string, year: number, files: string[]): void {
  const bin = path.join(ROOT, 'bin/bouncewatch.js');
  const r = spawnSync(process.execPath, [bin, 'import', '--db', db, '--year', String(year), ...files], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bouncewatch import exited ${r.status}: ${r.stderr}`);
}

export interface Served {
  url: string;
  store: SqliteStore;
  close(): Promise<void>;
}

/** The real app on 127.0.0.1 and a free port, over the store at `dbPath`. */
export async function serve(dbPath: string, extra: Partial<AppDeps> = {}): Promise<Served> {
  const store = openTestStore(dbPath);
  const app = createApp({ store, health: () => ({ status: 'ok' }), ...extra });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    // Slow steps between requests must not outlast the idle keep-alive (ECONNRESET on reuse).
    s.keepAliveTimeout = 120_000;
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    store,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

export interface Watched {
  page: Page;
  context: BrowserContext;
  /** Console errors, page errors, failed requests, HTTP errors and dialogs, as they happen. */
  problems: string[];
  dialogs: string[];
}

/** A fresh page `width` px wide that records everything that should never happen. */
export async function newPage(browser: Browser, width = 1280): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width, height: width < 600 ? 844 : 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    const err = r.failure()?.errorText ?? '';
    // A fetch cut short by leaving the page is not a failure of the page.
    if (err !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${err}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  return { page, context, problems, dialogs };
}

/** Waits until the view has loaded its data (each view marks <main data-state="ready">). */
export async function ready(page: Page): Promise<void> {
  await page.waitForSelector('main[data-state="ready"]', { timeout: 20_000 });
}

export async function openView(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await ready(page);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A number as the dashboard shows it ('1,234', '–' for none). */
export const shown = (v: unknown): string =>
  typeof v === 'number' ? v.toLocaleString('en-US') : v === null || v === undefined || v === '' ? '–' : String(v);

/**
 * For a describe block: the committed Postfix and Exim e2e logs (hosts mx1 and mx2) imported
 * into a temporary database, served, and a browser; set up before its tests, gone after them.
 */
export function fixtureDashboard(prefix: string): { readonly served: Served; readonly browser: Browser } {
  let tmp = '';
  let served: Served | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), prefix));
    importLogs(path.join(tmp, 'bw.db'), fixtureYear(), FIXTURE_LOGS);
    served = await serve(path.join(tmp, 'bw.db'));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });
  return { get served() { return served!; }, get browser() { return browser!; } };
}
