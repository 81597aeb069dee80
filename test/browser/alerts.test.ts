// Alerts in the dashboard (issue 17), in Chromium over the real Postfix and Exim e2e logs with
// alerts opened and resolved through the store as serve's engine does: every page shows a banner
// with exactly the firing alerts (count, titles as text, links to their evidence); it follows the
// overview's 5 s refresh and goes when none fires; the overview lists the period's alerts (of the
// chosen host, and those about no host); a hostile title (markup, bidi override) never runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { AlertEvidence } from '../../src/alerts/types.ts';
import { openStore } from '../../src/store/open.ts';
import { visible } from '../../src/report/terminal-text.ts';
import {
  FIXTURE_LOGS, browserAvailable, fixtureYear, getJson, importLogs, launchBrowser, newPage, openView, screenshot, serve, type Served, type Watched,
} from './harness.ts';
import type { Messages } from './api-types.ts';

const enabled = browserAvailable('dashboard alert browser tests');

const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
const MIN = 60_000;
const T0 = Date.parse('2026-11-27T09:00:00Z'); // the custom period the overview is shown for: [09:00, 11:00)
const PERIOD = `from=${encodeURIComponent(new Date(T0).toISOString())}&to=${encodeURIComponent(new Date(T0 + 120 * MIN).toISOString())}`;

interface Seed {
  rule: string;
  key: string;
  host: string | null;
  /** Minutes after 09:00 it started, and resolved (null: firing). */
  start: number;
  end: number | null;
  title: string;
  filter: Record<string, string>;
  id?: number;
}

const SEEDS: Seed[] = [
  { rule: 'refused_ndrs', key: 'forged.test', host: 'mx1', start: -60, end: null, title: 'NDRs refused by forged.test (since before the period)', filter: { backscatter: '1', host: 'mx1' } },
  { rule: 'backscatter', key: 'mx1', host: 'mx1', start: 10, end: 40, title: 'Backscatter from mx1: 12 NDRs to forged senders', filter: { backscatter: '1', host: 'mx1' } },
  {
    rule: 'new_source', key: HOSTILE, host: 'mx1', start: 30, end: null, title: `New source ${HOSTILE} \u202emoc.elgoog\u202c on mx1`,
    filter: { backscatter: '1', host: 'mx1', helo: HOSTILE },
  },
  { rule: 'scan', key: '198.51.100.0/24', host: null, start: 75, end: null, title: 'Dictionary scan from 198.51.100.0/24', filter: { client_ip: '198.51.100.7' } },
  { rule: 'backscatter', key: 'mx2', host: 'mx2', start: 90, end: null, title: 'Backscatter from mx2: 40 NDRs to forged senders', filter: { backscatter: '1', host: 'mx2' } },
  { rule: 'scan', key: '203.0.113.0/24', host: null, start: 150, end: 165, title: 'Dictionary scan from 203.0.113.0/24 (after the period)', filter: { client_ip: '203.0.113.9' } },
];

const at = (min: number) => T0 + min * MIN;
const evidenceOf = (s: Seed): AlertEvidence => ({
  from: new Date(at(s.start) - 60 * MIN).toISOString(), to: new Date(at(s.start)).toISOString(), page: 'messages.html',
  filter: s.filter, title_parts: [s.title], facts: [['12 NDRs']],
});
/** The evidence link, as the API gives it: relative, the filter and window in its query. */
const linkOf = (s: Seed) => {
  const e = evidenceOf(s);
  return `messages.html?${new URLSearchParams({ ...e.filter, from: e.from, to: e.to })}`;
};
const pad = (n: number) => String(n).padStart(2, '0');
/** A time as the dashboard shows it: local 'YYYY-MM-DD HH:MM:SS' (the browser and this process share TZ). */
const local = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};
const newestFirst = (a: Seed, b: Seed) => b.start - a.start;

describe.skipIf(!enabled)('alerts in the dashboard, in Chromium', { timeout: 180_000 }, () => {
  let tmp = '';
  let db = '';
  let served: Served;
  let browser: Browser;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bw-browser-alerts-'));
    db = path.join(tmp, 'bw.db');
    importLogs(db, fixtureYear(), FIXTURE_LOGS);
    const store = await openStore(db);
    try {
      for (const s of SEEDS) {
        const row = await store.openAlert({
          rule: s.rule, key: s.key, host: s.host, started_at: at(s.start), fired_at: at(s.start) + 1000, title: s.title,
          value: 12, threshold: 10, evidence: JSON.stringify(evidenceOf(s)),
        });
        if (!row) throw new Error(`alert ${s.rule} did not open`);
        s.id = row.id;
        if (s.end !== null) expect(await store.resolveAlert(row.id, at(s.end))).toBe(true);
      }
    } finally {
      await store.close();
    }
    served = await serve(db);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** Resolves alerts through another connection to the database, as serve's engine would. */
  async function resolve(seeds: Seed[]): Promise<void> {
    const store = await openStore(db);
    try {
      for (const s of seeds) {
        expect(await store.resolveAlert(s.id!, at(120))).toBe(true);
        s.end = 120;
      }
    } finally {
      await store.close();
    }
  }

  const firing = () => SEEDS.filter((s) => s.end === null).sort(newestFirst);

  /** The banner as shown: visible or not, its count, and each listed alert's id, text and href. */
  async function banner(page: Page) {
    return await page.evaluate(() => {
      const el = document.getElementById('alert-banner');
      return {
        shown: !!el && !el.hidden && el.getBoundingClientRect().height > 0,
        live: el?.getAttribute('aria-live') ?? null,
        count: el?.querySelector('.alert-count')?.textContent ?? null,
        items: [...(el?.querySelectorAll('li') ?? [])].map((li) => ({
          id: Number(li.getAttribute('data-id')), text: li.textContent, href: li.querySelector('a')?.getAttribute('href') ?? null,
        })),
      };
    });
  }

  const wantBanner = () => {
    const f = firing();
    return { shown: true, live: 'polite', count: `${f.length} alert${f.length === 1 ? '' : 's'} firing`, items: f.map((s) => ({ id: s.id, text: visible(s.title), href: linkOf(s) })) };
  };

  /** Nothing ran, nothing was injected, and the page said nothing wrong. */
  async function assertInert(w: Watched, where: string): Promise<void> {
    await w.page.waitForTimeout(200); // let an injected handler (onerror) fire first
    const state = await w.page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      injected: document.querySelectorAll('img, svg, iframe, object, embed, main script, #alert-banner script').length,
      jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
    }));
    expect(state, where).toEqual({ pwned: undefined, injected: 0, jsLinks: 0 });
    expect(w.dialogs, `${where}: dialogs`).toEqual([]);
    expect(w.problems, `${where}: problems`).toEqual([]);
  }

  it('every page shows the firing alerts, titles as text, each linking to its evidence', async () => {
    const w = await newPage(browser);
    expect(firing().length).toBe(4);
    const m = (await getJson<Messages>(`${served.url}api/messages?limit=1`)).items[0]!;
    const trace = `trace.html?${new URLSearchParams({ host: m.host, queue_id: m.queue_id })}`;
    for (const url of ['', 'sources.html', 'recommendations.html', 'messages.html', trace]) {
      await openView(w.page, served.url + url);
      await w.page.waitForSelector('#alert-banner:not([hidden])', { timeout: 20_000 });
      expect(await banner(w.page), url).toEqual(wantBanner());
      await assertInert(w, url || 'overview');
    }
    // The hostile title: its markup is literal text, its bidi override shown as an escape.
    const hostile = SEEDS.find((s) => s.rule === 'new_source')!;
    const text = await w.page.textContent(`#alert-banner li[data-id="${hostile.id}"]`);
    expect(text).toContain(HOSTILE);
    expect(text).toContain('\\u{202e}moc.elgoog\\u{202c}');
    expect(text).not.toContain('\u202e');
    await w.context.close();
  });

  it('a banner link opens its evidence in the Messages view', async () => {
    const w = await newPage(browser);
    await openView(w.page, served.url);
    const newest = firing()[0]!;
    await w.page.click(`#alert-banner li[data-id="${newest.id}"] a`);
    await w.page.waitForURL((u) => u.pathname.endsWith('/messages.html'));
    await w.page.waitForSelector('main[data-state="ready"]');
    expect(new URL(w.page.url()).search).toBe(`?${linkOf(newest).split('?')[1]}`);
    await assertInert(w, 'evidence');
    await w.context.close();
  });

  it('the overview lists the period\'s alerts (of the host and of no host), newest first', async () => {
    const w = await newPage(browser);
    const rows = (page: Page) => page.$$eval('#alerts-list tbody tr', (trs) => trs.map((tr) => ({
      id: Number(tr.getAttribute('data-id')),
      cells: [...tr.children].map((c) => c.textContent),
      href: tr.querySelector('a')?.getAttribute('href') ?? null,
    })));
    const want = (host?: string) => SEEDS.filter((s) => s.start >= 0 && s.start < 120 && (!host || s.host === host || s.host === null))
      .sort(newestFirst)
      .map((s) => ({
        id: s.id, href: linkOf(s),
        cells: [s.end === null ? 'firing' : 'resolved', local(at(s.start)), s.end === null ? 'firing' : local(at(s.end)), s.rule, visible(s.title)],
      }));
    await openView(w.page, `${served.url}?${PERIOD}`);
    expect(await rows(w.page)).toEqual(want());
    expect(want().length).toBe(4);
    await assertInert(w, 'overview, all hosts');
    await screenshot(w.page, 'overview-alerts-1280.png');

    await openView(w.page, `${served.url}?${PERIOD}&host=mx1`);
    expect(await rows(w.page)).toEqual(want('mx1'));
    expect(want('mx1').map((r) => r.id)).not.toContain(SEEDS.find((s) => s.host === 'mx2')!.id);
    await assertInert(w, 'overview, mx1');

    // A period with no alert says so.
    await openView(w.page, `${served.url}?from=2020-01-01T00:00:00.000Z&to=2020-01-02T00:00:00.000Z`);
    expect(await w.page.textContent('#alerts-table')).toBe('No alert started in this period.');
    await assertInert(w, 'overview, no alerts');

    // On a phone the banner and the list fit the width.
    const phone = await newPage(browser, 390);
    await openView(phone.page, `${served.url}?${PERIOD}`);
    await phone.page.waitForSelector('#alert-banner:not([hidden])');
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await screenshot(phone.page, 'overview-alerts-390.png');
    await assertInert(phone, 'phone');
    await phone.context.close();
    await w.context.close();
  });

  it('the banner follows the overview\'s refresh, and goes when none fires', async () => {
    const w = await newPage(browser);
    await openView(w.page, `${served.url}?${PERIOD}`);
    await w.page.waitForSelector('#alert-banner:not([hidden])');
    expect(await banner(w.page)).toEqual(wantBanner());

    // One resolves: the next refresh (every 5 s) shows one fewer, without a reload.
    await resolve([firing()[0]!]);
    const three = wantBanner();
    expect(three.items.length).toBe(3);
    await w.page.waitForFunction((want) => document.querySelector('#alert-banner .alert-count')?.textContent === want, three.count, { timeout: 15_000 });
    expect(await banner(w.page)).toEqual(three);

    // The rest resolve: the banner goes, and the period's list shows them resolved.
    await resolve(firing());
    await w.page.waitForSelector('#alert-banner', { state: 'hidden', timeout: 15_000 });
    expect((await banner(w.page)).shown).toBe(false);
    await w.page.waitForFunction(() => document.querySelectorAll('#alerts-list tbody tr[data-state="firing"]').length === 0, undefined, { timeout: 15_000 });
    await assertInert(w, 'after resolving');

    // Another page, opened now, shows none.
    const asked = w.page.waitForResponse((r) => r.url().includes('/api/alerts?state=firing'));
    await openView(w.page, `${served.url}messages.html`);
    await asked;
    expect((await banner(w.page)).shown).toBe(false);
    await assertInert(w, 'messages, none firing');
    await w.context.close();
  });
});
