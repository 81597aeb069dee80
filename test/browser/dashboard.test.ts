// The dashboard in Chromium over the committed real Postfix and Exim e2e logs: every view loads
// cleanly, shows what the API says, and links onwards; screenshots go to test-results/screenshots.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import {
  EXIM_FIXTURES, POSTFIX_FIXTURES, browserAvailable, fixtureDashboard, getJson, newPage, openView, ready, screenshot, shown, type Watched,
} from './harness.ts';
import { SOURCE_COLUMNS, type Messages, type Sources, type Summary, type Timeseries, type Trace } from './api-types.ts';

interface TruthMessage {
  scenario: string;
  message_id: string;
  sender: string;
  expect_outcome: string;
}

/** A bounced message of the fixtures: its queue id (from the raw log), host and sender. */
function knownMessage(dir: string, log: string, idPattern: (mid: string) => RegExp) {
  const truth = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8')) as { hostname: string; messages: TruthMessage[] };
  const text = readFileSync(path.join(dir, log), 'utf8');
  for (const m of truth.messages) {
    if (m.expect_outcome !== 'bounced_after_accept') continue;
    const qid = idPattern(m.message_id).exec(text)?.[1];
    if (qid) return { qid, host: truth.hostname, sender: m.sender };
  }
  throw new Error(`no bounced message of ${dir} found in ${log}`);
}
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const POSTFIX_MSG = knownMessage(POSTFIX_FIXTURES, 'mail.log', (mid) => new RegExp(`: ([0-9A-F]{6,}): message-id=<${esc(mid)}>`));
const EXIM_MSG = knownMessage(EXIM_FIXTURES, 'exim-syslog.log', (mid) => new RegExp(`: (\\S+) <= .* id=${esc(mid)}(?: |$)`, 'm'));

const enabled = browserAvailable('dashboard browser tests');

describe.skipIf(!enabled)('dashboard in Chromium', { timeout: 120_000 }, () => {
  const fixture = fixtureDashboard('bw-browser-');
  const pages: Watched[] = [];

  async function view(url: string, width = 1280): Promise<Watched> {
    const w = await newPage(fixture.browser, width);
    pages.push(w);
    await openView(w.page, fixture.served.url + url);
    return w;
  }

  /** No console error, failed request or dialog on the page so far; then it is closed. */
  async function clean(w: Watched): Promise<void> {
    expect(w.problems).toEqual([]);
    expect(w.dialogs).toEqual([]);
    await w.context.close();
  }

  const tileText = (page: Page, key: string) => page.textContent(`.tile[data-key="${key}"] .tile-value`);

  it('overview: tiles equal /api/summary, both charts are drawn, at 1280 and 390 px', async () => {
    const summary = await getJson<Summary>(`${fixture.served.url}api/summary`);
    expect(summary.accepted).toBeGreaterThan(0);
    const w = await view('');
    for (const key of ['accepted', 'rejected_at_smtp', 'bounced_after_accept', 'ndrs', 'backscatter'] as const) {
      expect(await tileText(w.page, key), key).toBe(shown(summary[key]));
    }
    const bad = Object.values(summary.causes).reduce((a, b) => a + b, 0);
    const share = await tileText(w.page, 'refused_share');
    if (summary.rejected_at_smtp + bad === 0) expect(share).toBe('–');
    else expect(Number.parseFloat(share ?? '')).toBeCloseTo((100 * summary.rejected_at_smtp) / (summary.rejected_at_smtp + bad), 0);

    for (const id of ['ts-chart', 'causes-chart']) {
      const drawn = await w.page.evaluate((canvasId) => {
        const canvas = document.getElementById(canvasId);
        if (!(canvas instanceof HTMLCanvasElement)) return { values: 0, painted: 0 };
        type ChartLike = { data: { datasets: { data: unknown[] }[] } };
        const lib = (window as unknown as { Chart?: { getChart(c: HTMLCanvasElement): ChartLike | undefined } }).Chart;
        const chart = lib?.getChart(canvas);
        const values = chart ? chart.data.datasets.flatMap((d) => d.data).filter((v) => typeof v === 'number' && v > 0).length : 0;
        const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
        return { values, painted };
      }, id);
      expect(drawn.values, `${id} has data`).toBeGreaterThan(0);
      expect(drawn.painted, `${id} is not blank`).toBeGreaterThan(500);
    }
    await screenshot(w.page, 'overview-1280.png');
    await clean(w);

    const phone = await view('', 390);
    expect(await tileText(phone.page, 'accepted')).toBe(shown(summary.accepted));
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'no sideways scrolling at 390 px').toBeLessThanOrEqual(0);
    await screenshot(phone.page, 'overview-390.png');
    await clean(phone);
  });

  it('overview: the day bucket and a custom period re-fetch and redraw', async () => {
    const w = await view('');
    await w.page.click('#bucket-day');
    await w.page.waitForSelector('#bucket-day[aria-pressed="true"]');
    await ready(w.page);
    const days = await getJson<Timeseries>(`${fixture.served.url}api/timeseries?bucket=day`);
    const labels = await w.page.evaluate(() => {
      const lib = (window as unknown as { Chart?: { getChart(c: unknown): { data: { labels: unknown[] } } | undefined } }).Chart;
      return lib?.getChart(document.getElementById('ts-chart'))?.data.labels.length ?? -1;
    });
    expect(labels).toBe(days.points.length);
    expect(w.page.url()).toContain('bucket=day');

    // Custom, from long ago: the tiles count everything, and the chart says the period is too long
    // for it (rather than asking the server for more than 5000 buckets).
    const all = await getJson<Summary>(`${fixture.served.url}api/summary`);
    await w.page.selectOption('#period-select', 'custom');
    await w.page.fill('#period-from', '2000-01-01T00:00');
    await w.page.press('#period-from', 'Enter');
    await w.page.waitForURL(/from=/);
    await ready(w.page);
    const from = new URL(w.page.url()).searchParams.get('from') ?? '';
    expect(from).toMatch(/^(1999-12-31|2000-01-01)T/);
    const custom = await getJson<Summary>(`${fixture.served.url}api/summary?from=${encodeURIComponent(from)}`);
    expect(custom.accepted).toBe(all.accepted);
    expect(await tileText(w.page, 'accepted')).toBe(shown(custom.accepted));
    expect(await w.page.textContent('#ts-empty')).toContain('too long');

    // Custom, from the day before the data (local time, as the browser reads the input).
    const d = new Date(Date.parse(all.from) - 86_400_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    await w.page.fill('#period-from', `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:00`);
    const refetch = w.page.waitForRequest((r) => r.url().includes('/api/timeseries?from='));
    await w.page.click('.period button[type="submit"]');
    await refetch;
    await ready(w.page);
    expect(await w.page.isHidden('#ts-empty')).toBe(true);
    expect(await tileText(w.page, 'accepted')).toBe(shown(all.accepted));
    // The nav links keep the period.
    expect(await w.page.getAttribute('nav a[data-view="messages"]', 'href')).toContain('from=');

    const summaryCall = w.page.waitForRequest((r) => r.url().includes('/api/summary?from='));
    await w.page.selectOption('#period-select', '24h');
    await summaryCall;
    await ready(w.page);
    expect(w.page.url()).toContain('period=24h');
    await clean(w);
  });

  it('sources: every table equals /api/sources and its rows link to their messages', async () => {
    const w = await view('sources.html');
    for (const [kind, cols] of Object.entries(SOURCE_COLUMNS)) {
      const api = await getJson<Sources>(`${fixture.served.url}api/sources?kind=${kind}`);
      if (api.rows.length === 0) {
        expect(await w.page.locator(`#src-${kind} .empty`).count(), `${kind} says it is empty`).toBe(1);
        continue;
      }
      const cells = await w.page.$$eval(`table[data-kind="${kind}"] tbody tr`, (trs) =>
        trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
      expect(cells.length, kind).toBe(Math.min(api.rows.length, 50));
      cells.forEach((row, i) => {
        const want = api.rows[i]!;
        expect(row.slice(0, cols.length), `${kind} row ${i}`).toEqual(cols.map((c) => shown(want[c])));
      });
      const hrefs = await w.page.$$eval(`table[data-kind="${kind}"] tbody tr > :first-child a`, (as) => as.map((a) => a.getAttribute('href')));
      expect(hrefs).toEqual(api.rows.slice(0, 50).map((r) => `messages.html?${new URLSearchParams(r.filter)}`));
    }
    expect(await w.page.locator('table[data-kind="client"] tbody tr').count()).toBeGreaterThan(0);
    await screenshot(w.page, 'sources-1280.png');

    // Follow the first client row to the Messages view: it lists that row's messages.
    const clients = await getJson<Sources>(`${fixture.served.url}api/sources?kind=client`);
    const first = clients.rows[0]!;
    const expected = await getJson<Messages>(`${fixture.served.url}api/messages?${first.filter}`);
    await w.page.click('table[data-kind="client"] tbody tr:first-child a');
    await w.page.waitForURL(/messages\.html/);
    await ready(w.page);
    expect(await w.page.locator('#messages-table tbody tr').count()).toBe(Math.min(expected.total, 50));
    expect(await w.page.textContent('#chips')).toContain(String(first.client_ip));
    await clean(w);
  });

  it('recommendations: each item shows its title, change and a link to its messages (or the list says it is empty)', async () => {
    const w = await view('recommendations.html');
    const api = await getJson<{ items: { title: string; change: string; filter: string; prevented: number }[] }>(`${fixture.served.url}api/recommendations`);
    await screenshot(w.page, 'recommendations-1280.png');
    if (api.items.length === 0) {
      expect(await w.page.textContent('#recs')).toContain('No recommendations');
      await clean(w);
      return;
    }
    const cards = await w.page.$$eval('article.rec', (articles) => articles.map((a) => ({
      title: a.querySelector('h2')?.textContent,
      change: a.querySelector('pre.change')?.textContent,
      link: a.querySelector('a[href^="messages.html"]')?.getAttribute('href'),
    })));
    expect(cards).toEqual(api.items.map((r) => ({ title: r.title, change: r.change, link: `messages.html?${new URLSearchParams(r.filter)}` })));
    const first = api.items[0]!;
    expect(await w.page.textContent('article.rec .prevented')).toContain(shown(first.prevented));
    const expected = await getJson<Messages>(`${fixture.served.url}api/messages?${first.filter}`);
    await w.page.click('article.rec a[href^="messages.html"]');
    await w.page.waitForURL(/messages\.html/);
    await ready(w.page);
    expect(await w.page.locator('#messages-table tbody tr').count()).toBe(Math.min(expected.total, 50));
    await clean(w);
  });

  it('messages: a search by queue id and by address finds the message, and its trace shows the raw lines', async () => {
    const w = await view('messages.html');
    const all = await getJson<Messages>(`${fixture.served.url}api/messages?limit=1`);
    expect(await w.page.textContent('#status')).toContain(shown(all.total));
    expect(await w.page.locator('#messages-table tbody tr').count()).toBe(Math.min(all.total, 50));
    await screenshot(w.page, 'messages-1280.png');
    if (all.total > 50) {
      await w.page.click('a[rel="next"]');
      await w.page.waitForURL(/offset=50/);
      await ready(w.page);
      expect(await w.page.locator('#messages-table tbody tr').count()).toBe(Math.min(all.total - 50, 50));
    }

    for (const known of [POSTFIX_MSG, EXIM_MSG]) {
      for (const q of [known.qid, known.sender]) {
        await w.page.fill('#q', q);
        await w.page.press('#q', 'Enter');
        await ready(w.page);
        expect(w.page.url()).toContain(`q=${encodeURIComponent(q).replace(/%20/g, '+')}`);
        expect(await w.page.locator('#messages-table tbody a', { hasText: known.qid }).count(), `search ${q}`).toBeGreaterThan(0);
      }
      await w.page.locator('#messages-table tbody a', { hasText: known.qid }).first().click();
      await w.page.waitForURL(/trace\.html/);
      await ready(w.page);
      const trace = await getJson<Trace>(`${fixture.served.url}api/messages/${encodeURIComponent(known.host)}/${encodeURIComponent(known.qid)}`);
      expect(trace.lines.length).toBeGreaterThan(1);
      expect(await w.page.textContent('pre.log')).toBe(trace.lines.join('\n'));
      expect(await w.page.textContent('h1')).toContain(known.qid);
      expect(await w.page.locator('#recipients-table tbody tr').count()).toBe(trace.message.recipients.length);
      expect(await w.page.textContent('#trace')).toContain(trace.message.outcome);
      if (known === POSTFIX_MSG) await screenshot(w.page, 'trace-1280.png');
      await w.page.goBack();
      await ready(w.page);
    }
    await clean(w);
  });

  it('trace: every notification of a message, with its type and fate', async () => {
    // The Exim scenario that bounces one message twice and warns its sender in between.
    const truth = JSON.parse(readFileSync(path.join(EXIM_FIXTURES, 'truth.json'), 'utf8')) as
      { hostname: string; messages: (TruthMessage & { expect_notifications?: { type: string; fate: string }[] })[] };
    const t = truth.messages.find((m) => m.expect_notifications !== undefined)!;
    const qid = new RegExp(`: (\\S+) <= .* id=${esc(t.message_id)}(?: |$)`, 'm').exec(readFileSync(path.join(EXIM_FIXTURES, 'exim-syslog.log'), 'utf8'))?.[1];
    expect(qid, t.message_id).toBeDefined();
    const w = await newPage(fixture.browser);
    await w.page.goto(`${fixture.served.url}trace.html?host=${encodeURIComponent(truth.hostname)}&queue_id=${encodeURIComponent(qid!)}`);
    await ready(w.page);
    const rows = await w.page.locator('#notifications-table tbody tr').allTextContents();
    const label: Record<string, string> = { non_delivery: 'non-delivery (NDR)', delay: 'delay warning' };
    expect(rows).toHaveLength(t.expect_notifications!.length);
    t.expect_notifications!.forEach((n, i) => {
      expect(rows[i]).toContain(label[n.type]);
      expect(rows[i]).toContain(n.fate);
      expect(rows[i]).toContain(t.sender);
    });
    await screenshot(w.page, 'trace-notifications-1280.png');
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it('trace: an unknown message says so instead of failing', async () => {
    const w = await newPage(fixture.browser);
    await w.page.goto(`${fixture.served.url}trace.html?host=nohost&queue_id=NOSUCHID`);
    await ready(w.page);
    expect(await w.page.textContent('#trace')).toContain('No message NOSUCHID on host nohost');
    // The API's 404 is the expected answer here, not a problem of the page.
    expect(w.problems.filter((p) => !p.includes('404'))).toEqual([]);
    await w.context.close();
  });

  it('phone width (390 px): every view fits without sideways scrolling', async () => {
    const w = await newPage(fixture.browser, 390);
    for (const url of ['sources.html', 'recommendations.html', 'messages.html', `trace.html?host=${POSTFIX_MSG.host}&queue_id=${POSTFIX_MSG.qid}`]) {
      await openView(w.page, fixture.served.url + url);
      const overflow = await w.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, url).toBeLessThanOrEqual(0);
    }
    await clean(w);
  });

  it('keyboard: the skip link and every nav link are reachable with Tab', async () => {
    const w = await view('');
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) {
      await w.page.keyboard.press('Tab');
      seen.push(await w.page.evaluate(() => document.activeElement?.textContent?.trim() ?? ''));
    }
    expect(seen[0]).toBe('Skip to content');
    for (const name of ['Overview', 'Sources', 'Recommendations', 'Messages']) expect(seen).toContain(name);
    await clean(w);
  });
});
