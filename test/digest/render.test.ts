// The HTML part in Debian's Chromium with JavaScript off, as a careful mail client shows it:
// it renders the figures of the report, makes no request at all, and shows hostile strings
// as text. Screenshots go to test-results/screenshots/digest*.png.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/digest/html.ts';
import { HOSTILE, ROOT, WINDOW, bwOk, expectedFigures, hostileDigest, importFixtures, parseDigest, report } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
const UNTIL = Date.parse(WINDOW.until);
const DASHBOARD = 'http://127.0.0.1:9825/';

function available(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const why = `${CHROMIUM} is missing (apt-get install chromium, or bash test/e2e/setup-debian.sh)`;
  if (process.env.CI === 'true') throw new Error(`digest rendering: ${why}; CI must run this test`);
  console.warn(`SKIPPED: digest rendering in Chromium: ${why}`);
  return false;
}

const enabled = available();

describe.skipIf(!enabled)('digest HTML in Chromium', () => {
  let dir = '';
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bw-digest-render-'));
    importFixtures(path.join(dir, 'bw.db'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Loads `html` with JavaScript off; every request the page tries is recorded and refused. */
  async function show(html: string, width: number): Promise<{ page: Page; requests: string[]; close: () => Promise<void> }> {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width, height: 900 } });
    const requests: string[] = [];
    context.on('request', (r) => {
      if (!/^(about|data):/.test(r.url())) requests.push(r.url());
    });
    await context.route('**/*', (route) => (/^(about|data):/.test(route.request().url()) ? route.continue() : route.abort()));
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    return { page, requests, close: () => context.close() };
  }

  async function shot(page: Page, name: string): Promise<void> {
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
  }

  it('renders the report figures, requests nothing, and fits a phone', async () => {
    const db = path.join(dir, 'bw.db');
    const raw = await bwOk(['digest', '--db', db, '--since', WINDOW.since, '--until', new Date(UNTIL).toISOString(), '--to', 'ops@example.test',
      '--dashboard-url', DASHBOARD, '--dry-run']);
    const { html } = await parseDigest(raw);
    const want = expectedFigures(await report(db, UNTIL - WINDOW.ms, UNTIL));

    const wide = await show(html, 1000);
    await shot(wide.page, 'digest.png');
    for (const [k, v] of Object.entries(want)) {
      expect(await wide.page.locator(`[data-k="${k}"][data-p="current"]`).innerText(), k).toBe(v);
    }
    expect(await wide.page.locator('script, img, iframe, object, embed, link').count()).toBe(0);
    expect(await wide.page.getByRole('link').count()).toBe(1);
    expect(wide.requests).toEqual([]);
    await wide.close();

    const narrow = await show(html, 390);
    await shot(narrow.page, 'digest-narrow.png');
    // Playwright's evaluate runs in its own world, so it works with the page's JavaScript off.
    const overflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(narrow.requests).toEqual([]);
    await narrow.close();
  });

  it('shows hostile strings from the logs as text', async () => {
    const d = await hostileDigest(dir);
    const { page, requests, close } = await show(renderHtml(d), 1000);
    await shot(page, 'digest-hostile.png');
    const text = await page.locator('body').innerText();
    expect(text).toContain(HOSTILE.helo);
    expect(text).toContain(HOSTILE.client);
    expect(text).toContain(HOSTILE.recipient);
    expect(await page.locator('script, img, b, i').count()).toBe(0);
    expect(requests).toEqual([]);
    await close();
  });
});
