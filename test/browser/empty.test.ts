// A database with no logs yet: every view loads without errors and says what to do; then logs
// are imported while the overview is open, and its live update shows them without a reload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { FIXTURE_LOGS, browserAvailable, fixtureYear, getJson, importLogs, launchBrowser, newPage, openView, serve, shown, type Served } from './harness.ts';
import type { Summary } from './api-types.ts';

const NO_LOGS = 'No logs yet: run bouncewatch import FILE or point serve at your mail log';
const enabled = browserAvailable('empty-database browser test');

describe.skipIf(!enabled)('dashboard over an empty database', { timeout: 120_000 }, () => {
  let tmp = '';
  let served: Served;
  let browser: Browser;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bw-empty-'));
    served = await serve(path.join(tmp, 'empty.db'));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const cases: [string, string[]][] = [
    ['', [NO_LOGS, 'Nothing bounced in this period']],
    ['sources.html', ['Nothing bounced in this period', 'No NDRs were sent in this period']],
    ['recommendations.html', ['No recommendations for this period']],
    ['messages.html', [NO_LOGS]],
    ['messages.html?outcome=bounced_after_accept', ['Nothing bounced in this period']],
  ];
  for (const [url, texts] of cases) {
    it(`/${url} says what to do`, async () => {
      const w = await newPage(browser);
      await openView(w.page, served.url + url);
      const text = await w.page.evaluate(() => document.body.innerText);
      for (const t of texts) expect(text).toContain(t);
      expect(w.problems).toEqual([]);
      await w.context.close();
    });
  }

  it('the overview updates itself (every 5 s) when logs arrive', async () => {
    const w = await newPage(browser);
    await openView(w.page, served.url);
    expect(await w.page.textContent('.tile[data-key="accepted"] .tile-value')).toBe('0');
    importLogs(path.join(tmp, 'empty.db'), fixtureYear(), FIXTURE_LOGS);
    const summary = await getJson<Summary>(`${served.url}api/summary`);
    expect(summary.accepted).toBeGreaterThan(0);
    await w.page.waitForFunction(
      (want) => document.querySelector('.tile[data-key="accepted"] .tile-value')?.textContent === want,
      shown(summary.accepted), { timeout: 15_000 });
    expect(await w.page.textContent('#empty')).toBe('');
    expect(w.problems).toEqual([]);
    await w.context.close();
  });
});
