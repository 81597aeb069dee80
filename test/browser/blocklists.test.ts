// The overview's Blocklists section (issue 18), in Chromium over a listed server's log
// (test/advise/listed-log.ts) with checks recorded through the store as serve's watch does:
// before any check it says so; then each address at each list shows its status badge, since
// when, what the list said (a hostile TXT reason with markup and a bidi override stays visible
// text), when it was last checked, and for the listing the week of backscatter before it linked
// to those messages, with a pointer to the recommendations; the period's refusals of our mail
// are listed by list and destination domain. Nothing the list said ever runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { BlocklistCheck } from '../../src/store/types.ts';
import { openStore } from '../../src/store/open.ts';
import { visible } from '../../src/report/terminal-text.ts';
import { cliOk } from '../cli/run-cli.ts';
import { LOG } from '../advise/listed-log.ts';
import { browserAvailable, launchBrowser, newPage, openView, screenshot, serve, type Served, type Watched } from './harness.ts';

const enabled = browserAvailable('dashboard blocklist browser tests');

const HOUR = 3_600_000;
// The log is in local time (Nov 27 18:00–18:02); the listing began an hour after its backscatter.
const SINCE = new Date(2026, 10, 27, 19, 0, 0).getTime();
const WEEK_BEFORE = SINCE - 7 * 24 * HOUR;
const DAY = { from: new Date(2026, 10, 27).toISOString(), to: new Date(2026, 10, 28).toISOString() };
const PERIOD = `from=${encodeURIComponent(DAY.from)}&to=${encodeURIComponent(DAY.to)}`;
const HOSTILE_REASON = 'Listed <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> see \u202emoc.live\u202c';
const ERROR = 'the list refused the query (127.255.255.254): <b>public resolver</b>';

const base = { codes: [] as string[], reasons: [] as string[], meaning: null, error: null, agent: 'mx1' };
const FIRST: BlocklistCheck[] = [
  { ...base, address: '198.51.100.7', zone: 'ips.backscatterer.org', status: 'not_listed', checked_at: SINCE - HOUR },
  { ...base, address: '198.51.100.7', zone: 'zen.spamhaus.org', status: 'not_listed', checked_at: SINCE - HOUR },
];
const SECOND: BlocklistCheck[] = [
  { ...base, address: '198.51.100.7', zone: 'ips.backscatterer.org', status: 'listed', codes: ['127.0.0.2'], reasons: [HOSTILE_REASON],
    meaning: 'sends bounces to forged senders', checked_at: SINCE },
  { ...base, address: '198.51.100.7', zone: 'zen.spamhaus.org', status: 'not_listed', checked_at: SINCE },
  // Never checked successfully: unknown, with its error.
  { ...base, address: '203.0.113.5', zone: 'zen.spamhaus.org', status: 'unknown', error: ERROR, checked_at: SINCE, agent: 'mx2' },
];

/** A time as the dashboard shows it: local 'YYYY-MM-DD HH:MM:SS' (Swedish order; the browser and this process share TZ). */
const local = (ms: number) => new Date(ms).toLocaleString('sv-SE');
const BEFORE_LINK = `messages.html?${new URLSearchParams({ backscatter: '1', from: new Date(WEEK_BEFORE).toISOString(), to: new Date(SINCE).toISOString() })}`;

// What each row must show, from what was recorded: the listing since its check, the list that
// never listed us since the first check, the address never checked successfully.
const WANT = [
  {
    address: '198.51.100.7', zone: 'ips.backscatterer.org', status: 'listed',
    cells: ['198.51.100.7', 'ips.backscatterer.org', 'listed', local(SINCE), `127.0.0.2: sends bounces to forged senders${visible(HOSTILE_REASON)}`,
      `${local(SINCE)}by mx1`, '1 backscatter NDR in the week before the listingStop the backscatter first, then ask for delisting'],
    links: [BEFORE_LINK, `recommendations.html?${PERIOD}`],
  },
  {
    address: '198.51.100.7', zone: 'zen.spamhaus.org', status: 'not_listed',
    cells: ['198.51.100.7', 'zen.spamhaus.org', 'not listed', local(SINCE - HOUR), '–', `${local(SINCE)}by mx1`, '–'],
    links: [],
  },
  {
    address: '203.0.113.5', zone: 'zen.spamhaus.org', status: 'unknown',
    cells: ['203.0.113.5', 'zen.spamhaus.org', `unknown${ERROR}`, local(SINCE), '–', `${local(SINCE)}by mx2`, '–'],
    links: [],
  },
];

describe.skipIf(!enabled)('blocklists on the overview, in Chromium', { timeout: 180_000 }, () => {
  let tmp = '';
  let db = '';
  let served: Served;
  let browser: Browser;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bw-browser-blocklists-'));
    const log = path.join(tmp, 'mail.log');
    await writeFile(log, `${LOG.join('\n')}\n`);
    db = path.join(tmp, 'bw.db');
    cliOk(['import', '--db', db, '--year', '2026', '--local-domains', 'pfx.test', log]);
    served = await serve(db);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** Records checks through another connection to the database, as serve's watch would. */
  async function record(...batches: BlocklistCheck[][]): Promise<void> {
    const store = await openStore(db);
    try {
      for (const b of batches) await store.recordBlocklist(b);
    } finally {
      await store.close();
    }
  }

  /** Nothing ran, nothing was injected, and the page said nothing wrong. */
  async function assertInert(w: Watched, where: string): Promise<void> {
    await w.page.waitForTimeout(200); // let an injected handler (onerror) fire first
    const state = await w.page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      injected: document.querySelectorAll('img, svg, iframe, object, embed, main script, #blocklists b').length,
      jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
    }));
    expect(state, where).toEqual({ pwned: undefined, injected: 0, jsLinks: 0 });
    expect(w.dialogs, `${where}: dialogs`).toEqual([]);
    expect(w.problems, `${where}: problems`).toEqual([]);
  }

  const rows = (page: Page) => page.$$eval('#blocklist-status tbody tr', (trs) => trs.map((tr) => ({
    address: tr.getAttribute('data-address'), zone: tr.getAttribute('data-zone'), status: tr.getAttribute('data-status'),
    cells: [...tr.children].map((c) => c.textContent),
    links: [...tr.querySelectorAll('a')].map((a) => a.getAttribute('href')),
  })));
  const refusals = (page: Page) => page.$$eval('#blocklist-refusals tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));

  it('before any check it says how checks come about', async () => {
    const w = await newPage(browser);
    await openView(w.page, `${served.url}?${PERIOD}`);
    expect(await w.page.textContent('#blocklists-table'))
      .toBe("No blocklist checks yet (serve checks the addresses in public_ips, or this host's public addresses).");
    // The refusals of the period are there even before a check.
    expect(await refusals(w.page)).toEqual([['ips.backscatterer.org', 'victims.test', '1'], ['zen.spamhaus.org', 'example.net', '1']]);
    await assertInert(w, 'no checks');
    await w.context.close();
  });

  it('shows each address at each list: status, since, what the list said as text, the week before a listing', async () => {
    await record(FIRST, SECOND);
    const w = await newPage(browser);
    await openView(w.page, `${served.url}?${PERIOD}`);
    const byKey = (r: { address: string | null; zone: string | null }) => `${r.address} ${r.zone}`;
    const shown = (await rows(w.page)).sort((a, b) => byKey(a).localeCompare(byKey(b)));
    expect(shown).toEqual(WANT);
    // The hostile reason: its markup literal, its bidi override shown as an escape, never raw.
    const said = await w.page.textContent('#blocklist-status tr[data-status="listed"] .bl-reasons');
    expect(said).toContain('<img src=x onerror="window.__pwned=1"><script>');
    expect(said).toContain('\\u{202e}moc.live\\u{202c}');
    expect(said).not.toContain('\u202e');
    // The badges: a listing is an alarm, a failed check grey.
    const badges = await w.page.$$eval('#blocklist-status .badge', (els) => els.map((e) => [e.className, getComputedStyle(e).backgroundColor]));
    expect(badges.map(([c]) => c).sort()).toEqual(['badge bl-listed', 'badge bl-not_listed', 'badge bl-unknown']);
    expect(badges.find(([c]) => c === 'badge bl-listed')![1]).not.toBe('rgba(0, 0, 0, 0)');
    expect(await refusals(w.page)).toEqual([['ips.backscatterer.org', 'victims.test', '1'], ['zen.spamhaus.org', 'example.net', '1']]);
    await screenshot(w.page, 'overview-blocklists-1280.png');
    await assertInert(w, 'checks');

    // The listing's link opens the week's backscatter in the Messages view.
    await w.page.click('#blocklist-status a.bl-before');
    await w.page.waitForURL((u) => u.pathname.endsWith('/messages.html'));
    await w.page.waitForSelector('main[data-state="ready"]');
    expect(new URL(w.page.url()).search).toBe(`?${BEFORE_LINK.split('?')[1]}`);
    await assertInert(w, 'messages before the listing');
    await w.context.close();
  });

  it('a period without refusals says so; the status stays; a phone fits the width', async () => {
    const w = await newPage(browser);
    await openView(w.page, `${served.url}?from=2020-01-01T00:00:00.000Z&to=2020-01-02T00:00:00.000Z`);
    expect(await w.page.textContent('#blocklist-refusals-table')).toBe('None of our mail was refused for a listing in this period.');
    expect((await rows(w.page)).length).toBe(WANT.length);
    await assertInert(w, 'no refusals');
    await w.context.close();

    const phone = await newPage(browser, 390);
    await openView(phone.page, `${served.url}?${PERIOD}`);
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await screenshot(phone.page, 'overview-blocklists-390.png');
    await assertInert(phone, 'phone');
    await phone.context.close();
  });
});
