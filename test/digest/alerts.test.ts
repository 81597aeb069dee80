// The digest's Alerts section: alerts opened and resolved through the store (as serve's engine
// does) are counted when they started in the period, by rule, of the period's host and those
// about no host; the newest five are listed with their state; a hostile title stays text in
// the HTML part and carries no control character into the text part; `digest --dry-run` shows it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectDigest, digestPeriods } from '../../src/digest/collect.ts';
import { renderHtml } from '../../src/digest/html.ts';
import { renderText } from '../../src/digest/text.ts';
import { html as htmlText, visible } from '../../src/digest/format.ts';
import type { AlertEvidence } from '../../src/alerts/types.ts';
import { openStore } from '../../src/store/open.ts';
import { bwOk, htmlProblems, parseDigest } from './helpers.ts';

const MIN = 60_000;
const UNTIL = '2026-11-27T20:00:00Z';
const T0 = Date.parse(UNTIL) - 60 * MIN; // the period is [19:00, 20:00)
const HOSTILE_TITLE = 'New source <img src=x onerror="alert(1)"> \'q\' & \u202egnp.exe\u202c on \u001b[31mmx1\u2028x';

interface Seed {
  rule: string;
  key: string;
  host: string | null;
  /** Minutes after 19:00 it started, and resolved (null: still firing). */
  start: number;
  end: number | null;
  title: string;
}

// In the order they are opened: the one before the period resolves before its (rule, key) fires again.
const SEEDS: Seed[] = [
  { rule: 'backscatter', key: 'mx1', host: 'mx1', start: -30, end: -10, title: 'Backscatter from mx1 (the period before)' },
  { rule: 'backscatter', key: 'mx1', host: 'mx1', start: 5, end: 25, title: 'Backscatter from mx1: 12 NDRs to forged senders' },
  { rule: 'scan', key: '198.51.100.0/24', host: null, start: 10, end: null, title: 'Dictionary scan from 198.51.100.0/24' },
  { rule: 'refused_ndrs', key: 'forged.test', host: 'mx1', start: 15, end: 40, title: 'NDRs refused by forged.test' },
  { rule: 'scan', key: '203.0.113.0/24', host: null, start: 20, end: 30, title: 'Dictionary scan from 203.0.113.0/24' },
  { rule: 'backscatter', key: 'mx2', host: 'mx2', start: 30, end: null, title: 'Backscatter from mx2: 40 NDRs to forged senders' },
  { rule: 'new_source', key: '<img src=x>', host: 'mx1', start: 50, end: null, title: HOSTILE_TITLE },
  // At the period's end: the next period's (the end is exclusive).
  { rule: 'refused_ndrs', key: 'other.test', host: 'mx2', start: 60, end: null, title: 'NDRs refused by other.test (the period after)' },
];

const at = (min: number) => T0 + min * MIN;
/** Text with its line breaks and indents as single spaces: titles wrap in the text part. */
const flat = (s: string) => s.replace(/\s+/g, ' ');

function evidence(s: Seed): string {
  const e: AlertEvidence = {
    from: new Date(at(s.start) - 60 * MIN).toISOString(), to: new Date(at(s.start)).toISOString(), page: 'messages.html',
    filter: s.host ? { backscatter: '1', host: s.host } : { backscatter: '1' }, title_parts: [s.title], facts: [],
  };
  return JSON.stringify(e);
}

let dir = '';
let db = '';

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'bw-digest-alerts-'));
  db = path.join(dir, 'bw.db');
  const store = await openStore(db);
  try {
    for (const s of SEEDS) {
      const row = await store.openAlert({
        rule: s.rule, key: s.key, host: s.host, started_at: at(s.start), fired_at: at(s.start) + 1000, title: s.title,
        value: 10, threshold: 5, evidence: evidence(s),
      });
      if (!row) throw new Error(`alert ${s.rule}/${s.key} did not open`);
      if (s.end !== null) expect(await store.resolveAlert(row.id, at(s.end))).toBe(true);
    }
  } finally {
    await store.close();
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What the digest must say, from the seeds: those that started in [19:00, 20:00) of `host` (or no host). */
function expected(host?: string) {
  const rows = SEEDS.filter((s) => s.start >= 0 && s.start < 60 && (host === undefined || s.host === host || s.host === null))
    .sort((a, b) => b.start - a.start);
  const counts: Record<string, number> = {};
  for (const s of rows) counts[s.rule] = (counts[s.rule] ?? 0) + 1;
  return { rows, counts, recent: rows.slice(0, 5) };
}

async function digestOf(host?: string) {
  const store = await openStore(db);
  try {
    return await collectDigest(store, digestPeriods('1h', UNTIL, undefined, host));
  } finally {
    await store.close();
  }
}

describe('the alerts of the digest period', () => {
  it('counts those that started in it, by rule, and lists the newest five with their state', async () => {
    const d = await digestOf();
    const want = expected();
    expect(d.alerts.total).toBe(want.rows.length);
    expect(d.alerts.capped).toBe(false);
    expect(Object.fromEntries(d.alerts.byRule.map((r) => [r.rule, r.count]))).toEqual(want.counts);
    expect(d.alerts.byRule.map((r) => r.count)).toEqual(Object.values(want.counts).sort((a, b) => b - a));
    expect(d.alerts.recent.map((a) => [a.title, a.state, a.started_at, a.resolved_at])).toEqual(
      want.recent.map((s) => [s.title, s.end === null ? 'firing' : 'resolved', at(s.start), s.end === null ? null : at(s.end)]));
  });

  it('a period of one host counts its alerts and those about no host', async () => {
    const d = await digestOf('mx1');
    const want = expected('mx1');
    expect(want.rows.length).toBeLessThan(expected().rows.length);
    expect(d.alerts.total).toBe(want.rows.length);
    expect(Object.fromEntries(d.alerts.byRule.map((r) => [r.rule, r.count]))).toEqual(want.counts);
    expect(d.alerts.recent.map((a) => a.title)).toEqual(want.recent.map((s) => s.title));
    expect(d.alerts.recent.every((a) => a.host === 'mx1' || a.host === null)).toBe(true);
  });

  it('the text part has an Alerts section: counts, the newest five (title made visible), and how to see more', async () => {
    const d = await digestOf();
    const want = expected();
    const text = renderText(d);
    const lines = text.split('\n');
    const start = lines.indexOf('Alerts');
    expect(start).toBeGreaterThan(0);
    expect(lines[start + 2]).toBe(`${want.rows.length} alerts started in this period.`);
    expect(lines[start + 3]).toMatch(/^\s+rule\s+started$/);
    const table = lines.slice(start + 4, start + 4 + Object.keys(want.counts).length).map((l) => l.trim().split(/\s{2,}/));
    expect(Object.fromEntries(table.map(([r, n]) => [r, Number(n)]))).toEqual(want.counts);
    expect(table.map(([, n]) => Number(n))).toEqual(Object.values(want.counts).sort((a, b) => b - a));
    expect(text).toContain('The newest 5:');
    const listed = lines.filter((l) => /^\s+\d+\. \[(firing|resolved)\] /.test(l));
    expect(listed.map((l) => /\[(\w+)\] (\w+),/.exec(l)!.slice(1))).toEqual(want.recent.map((s) => [s.end === null ? 'firing' : 'resolved', s.rule]));
    // The hostile title is the newest: its escapes show (wrapped to the mail's width).
    expect(flat(text)).toContain(flat(visible(HOSTILE_TITLE)));
    for (const s of want.recent) expect(flat(text)).toContain(flat(visible(s.title)));
    expect(text).toContain('\\u{202e}gnp.exe\\u{202c}');
    expect(text).toContain(`and ${want.rows.length - 5} more: bouncewatch alerts --since 2026-11-27T19:00:00Z --until 2026-11-27T20:00:00Z`);
    expect(text).not.toContain('the period before');
    expect(text).not.toContain('the period after');
    // eslint-disable-next-line no-control-regex -- looking for control characters
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u202a-\u202e]/);
  });

  it('the HTML part has an Alerts section; the hostile title is text, never markup', async () => {
    const d = await digestOf();
    const want = expected();
    const html = renderHtml(d);
    expect(htmlProblems(html)).toEqual([]);
    expect(html).toContain('>Alerts</h2>');
    expect(/data-k="alerts">(\d+)</.exec(html)?.[1]).toBe(String(want.rows.length));
    const counts = Object.fromEntries([...html.matchAll(/data-alert-rule="([a-z_]+)">(\d+)</g)].map((m) => [m[1], Number(m[2])]));
    expect(counts).toEqual(want.counts);
    const states = [...html.matchAll(/<tr data-alert-state="(\w+)">/g)].map((m) => m[1]);
    expect(states).toEqual(want.recent.map((s) => (s.end === null ? 'firing' : 'resolved')));
    const titles = [...html.matchAll(/<td [^>]*data-alert-title>([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(titles).toEqual(want.recent.map((s) => htmlText(s.title)));
    expect(html).toContain('New source &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &#39;q&#39; &amp; \\u{202e}gnp.exe');
    expect(html).not.toMatch(/<img\b/i);
    // eslint-disable-next-line no-control-regex -- looking for control characters
    expect(html).not.toMatch(/[\u001b\u2028\u202a-\u202e]/);
    expect(html).toContain(`and ${want.rows.length - 5} more`);
  });

  it('a period with no alert has no Alerts section', async () => {
    const store = await openStore(db);
    try {
      const d = await collectDigest(store, digestPeriods('1h', '2026-11-27T12:00:00Z'));
      expect(d.alerts).toEqual({ total: 0, capped: false, byRule: [], recent: [] });
      expect(renderText(d)).not.toMatch(/^Alerts$/m);
      expect(renderHtml(d)).not.toContain('>Alerts</h2>');
    } finally {
      await store.close();
    }
  });

  it('`bouncewatch digest --host mx1 --dry-run` mails the section', async () => {
    const raw = await bwOk(['digest', '--db', db, '--since', '1h', '--until', UNTIL, '--host', 'mx1', '--to', 'ops@example.test', '--dry-run']);
    const { text, html } = await parseDigest(raw);
    const want = expected('mx1');
    expect(text).toContain(`${want.rows.length} alerts started in this period`);
    expect(flat(text)).toContain(flat(visible(HOSTILE_TITLE)));
    expect(text).not.toContain('Backscatter from mx2');
    expect(/data-k="alerts">(\d+)</.exec(html)?.[1]).toBe(String(want.rows.length));
    expect(htmlProblems(html)).toEqual([]);
  });
});
