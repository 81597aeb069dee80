// A fleet in the dashboard (issue 16), in Chromium over the real Postfix (mx1) and Exim (mx2) e2e
// logs in one database: the overview's per-host table equals /api/summary's split; choosing a
// host in the selector narrows every view (tiles, sources, recommendations, messages) to it and
// keeps it in the URL and the nav links.
import { describe, expect, it } from 'vitest';
import { browserAvailable, fixtureDashboard, getJson, newPage, openView, ready, screenshot, shown, type Watched } from './harness.ts';
import type { HostRow, Messages, Sources, Summary } from './api-types.ts';

const enabled = browserAvailable('dashboard host browser tests');

describe.skipIf(!enabled)('dashboard of two hosts in Chromium', { timeout: 120_000 }, () => {
  const fixture = fixtureDashboard('bw-browser-hosts-');

  async function clean(w: Watched): Promise<void> {
    expect(w.problems).toEqual([]);
    expect(w.dialogs).toEqual([]);
    await w.context.close();
  }

  const tile = (w: Watched, key: string) => w.page.textContent(`.tile[data-key="${key}"] .tile-value`);

  it('overview: the per-host table equals /api/summary hosts; the selector lists them', async () => {
    const summary = await getJson<Summary & { hosts: HostRow[] }>(`${fixture.served.url}api/summary`);
    expect(summary.hosts.map((h) => h.host)).toEqual(['mx1', 'mx2']);
    const w = await newPage(fixture.browser);
    await openView(w.page, fixture.served.url);
    await w.page.waitForSelector('#host-select option[value="mx2"]', { state: 'attached' });
    expect(await w.page.$$eval('#host-select option', (os) => os.map((o) => [o.getAttribute('value'), o.textContent]))).toEqual([['', 'All hosts'], ['mx1', 'mx1'], ['mx2', 'mx2']]);
    const rows = await w.page.$$eval('#hosts-split tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
    expect(rows).toEqual(summary.hosts.map((h) => [h.host, h.mtas.join(', '),
      ...(['accepted', 'rejected_at_smtp', 'bounced_after_accept', 'ndrs', 'backscatter', 'backscatter_ndrs'] as const).map((k) => shown(h[k]))]));
    await screenshot(w.page, 'overview-hosts-1280.png');
    await clean(w);
  });

  it('choosing a host narrows the tiles, and the nav and every view keep it', async () => {
    const mx2 = await getJson<Summary & { hosts: HostRow[] }>(`${fixture.served.url}api/summary?host=mx2`);
    const all = await getJson<Summary>(`${fixture.served.url}api/summary`);
    expect(mx2.accepted).toBeLessThan(all.accepted);
    const w = await newPage(fixture.browser);
    await openView(w.page, fixture.served.url);
    await w.page.waitForSelector('#host-select option[value="mx2"]', { state: 'attached' });
    const call = w.page.waitForRequest((r) => r.url().includes('/api/summary?') && r.url().includes('host=mx2'));
    await w.page.selectOption('#host-select', 'mx2');
    await call;
    await ready(w.page);
    expect(new URL(w.page.url()).searchParams.get('host')).toBe('mx2');
    expect(await tile(w, 'accepted')).toBe(shown(mx2.accepted));
    expect(await tile(w, 'backscatter')).toBe(shown(mx2.backscatter));
    expect(await w.page.$$eval('#hosts-split tbody tr th', (ths) => ths.map((t) => t.textContent))).toEqual(['mx2']);
    expect(await w.page.getAttribute('nav a[data-view="sources"]', 'href')).toContain('host=mx2');

    // Sources: the clients table is that host's.
    await w.page.click('nav a[data-view="sources"]');
    await w.page.waitForURL(/sources\.html\?.*host=mx2/);
    await ready(w.page);
    expect(await w.page.inputValue('#host-select')).toBe('mx2');
    const clients = await getJson<Sources>(`${fixture.served.url}api/sources?kind=client&host=mx2`);
    expect(await w.page.locator('table[data-kind="client"] tbody tr').count()).toBe(Math.min(clients.rows.length, 50));
    const hostRows = await w.page.$$eval('table[data-kind="host"] tbody tr > :first-child', (cs) => cs.map((c) => c.textContent));
    expect(hostRows).toEqual(['mx2']);

    // Recommendations: each names mx2.
    await w.page.click('nav a[data-view="recommendations"]');
    await w.page.waitForURL(/recommendations\.html\?.*host=mx2/);
    await ready(w.page);
    const recs = await getJson<{ items: { host: string }[] }>(`${fixture.served.url}api/recommendations?host=mx2`);
    expect(recs.items.length).toBeGreaterThan(0);
    expect(await w.page.$$eval('article.rec .badge.host', (bs) => bs.map((b) => b.textContent))).toEqual(recs.items.map(() => 'on mx2'));
    await screenshot(w.page, 'recommendations-host-1280.png');

    // Messages: only mx2's, and back to all hosts.
    await w.page.click('nav a[data-view="messages"]');
    await w.page.waitForURL(/messages\.html\?.*host=mx2/);
    await ready(w.page);
    const msgs = await getJson<Messages>(`${fixture.served.url}api/messages?host=mx2&limit=50`);
    expect(await w.page.textContent('#status')).toContain(shown(msgs.total));
    const hosts = await w.page.$$eval('#messages-table tbody tr', (trs) => trs.map((tr) => tr.children[2]?.textContent ?? ''));
    expect(hosts.length).toBe(Math.min(msgs.total, 50));
    expect(hosts.every((h) => h.startsWith('mx2'))).toBe(true);
    const everyHost = await getJson<Messages>(`${fixture.served.url}api/messages?limit=1`);
    await w.page.selectOption('#host-select', '');
    await w.page.waitForURL((u) => !u.searchParams.has('host'));
    await ready(w.page);
    await w.page.waitForFunction((n) => document.getElementById('status')?.textContent?.includes(n), shown(everyHost.total));
    await clean(w);
  });

  it('a row of the sources host table lists that host\'s messages', async () => {
    const w = await newPage(fixture.browser);
    await openView(w.page, `${fixture.served.url}sources.html`);
    const expected = await getJson<Messages>(`${fixture.served.url}api/messages?host=mx1&limit=1`);
    await w.page.click('table[data-kind="host"] tbody tr:first-child a');
    await w.page.waitForURL(/messages\.html\?host=mx1/);
    await ready(w.page);
    expect(await w.page.inputValue('#host-select')).toBe('mx1');
    expect(await w.page.textContent('#status')).toContain(shown(expected.total));
    await clean(w);
  });
});
