// The digest over the committed real Postfix and Exim e2e logs: for the whole data, and for
// two splits where the period before holds part of the data, the figures in the text part and
// in the HTML part equal `report --json` for both periods; the HTML stays self-contained. On
// both stores: an SQLite file and a real PostgreSQL (test/lib/backends.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopBackends, testBackends } from '../lib/backends.ts';
import {
  bwOk, expectedFigures, htmlCauses, htmlFigures, htmlProblems, importFixtures, messageTimes, parseDigest, report,
  textCauses, textFigures, type ParsedDigest, type Report,
} from './helpers.ts';

const MIN = 60_000;
const DASHBOARD = 'http://127.0.0.1:9825/';
const iso = (ms: number) => new Date(ms).toISOString();

interface Case {
  name: string;
  since: string;
  until: string;
  from: number;
  to: number;
  /** Both periods must hold data. */
  split: boolean;
}

afterAll(stopBackends);

describe.each(testBackends())('digest figures against report --json ($name)', (backend) => {
let db = '';
const cases: Case[] = [];
const times: { t: number; host: string }[] = [];

beforeAll(async () => {
  db = await backend.location('digest');
  importFixtures(db);
  times.push(...(await messageTimes(db)));
  const first = times[0]!.t;
  const last = times.at(-1)!.t;
  const mid = times[Math.floor(times.length / 2)]!.t;
  // Just after the data, on a whole minute.
  const until = Math.ceil((last + 1000) / MIN) * MIN + MIN;
  const all = Math.ceil((until - first) / MIN) + 1;
  // The span's start falls in the widest pause between two messages (the harness ran Postfix,
  // then Exim): the period before then ends with the mail before the pause.
  let k = 0;
  for (let i = 1; i < times.length - 1; i++) if (times[i + 1]!.t - times[i]!.t > times[k + 1]!.t - times[k]!.t) k = i;
  const half = Math.floor((until - times[k]!.t - 1) / MIN);
  if (until - half * MIN > times[k + 1]!.t) throw new Error('the fixtures have no pause of a minute between messages to split at');
  cases.push(
    { name: 'all the data in the period', since: `${all}m`, until: iso(until), from: until - all * MIN, to: until, split: false },
    { name: 'a span that leaves the earlier half to the period before', since: `${half}m`, until: iso(until), from: until - half * MIN, to: until, split: true },
    { name: 'ISO times that cut through the first MTA\'s data', since: iso(first + 1000), until: iso(mid), from: first + 1000, to: mid, split: true },
  );
}, 60_000);

  const runs = new Map<string, { d: ParsedDigest; cur: Report; prev: Report }>();

  // Each case's commands run once, here (the hook's timeout is the long one), side by side.
  beforeAll(async () => {
    const done = await Promise.all(cases.map(digestRun));
    cases.forEach((c, i) => runs.set(c.name, done[i]!));
  });

  function digestOf(c: Case) {
    return runs.get(c.name)!;
  }

  async function digestRun(c: Case) {
    const raw = await bwOk(['digest', '--db', db, '--since', c.since, '--until', c.until, '--to', 'postmaster@example.test',
      '--from', 'bouncewatch@example.test', '--dashboard-url', DASHBOARD, '--dry-run']);
    const len = c.to - c.from;
    const [d, cur, prev] = await Promise.all([parseDigest(raw), report(db, c.from, c.to), report(db, c.from - len, c.from)]);
    return { d, cur, prev };
  }

  it.each([0, 1, 2])('case %i: text and HTML figures equal report --json for both periods', async (i) => {
    const c = cases[i]!;
    const { d, cur, prev } = digestOf(c);
    expect(cur.from).toBe(iso(c.from));
    expect(cur.to).toBe(iso(c.to));
    if (c.split) {
      expect(cur.accepted, `${c.name}: this period has data`).toBeGreaterThan(0);
      expect(prev.accepted, `${c.name}: the period before has data`).toBeGreaterThan(0);
    } else {
      expect(prev.accepted + prev.rejected_at_smtp).toBe(0);
    }
    const want = { current: expectedFigures(cur), previous: expectedFigures(prev) };
    expect(textFigures(d.text), `${c.name}: text part`).toEqual(want);
    expect(htmlFigures(d.html), `${c.name}: HTML part`).toEqual(want);
  });

  it.each([0, 1, 2])('case %i: the same causes in both parts, equal to the report', async (i) => {
    const { d, cur, prev } = digestOf(cases[i]!);
    const names = new Set([...Object.keys(cur.causes), ...Object.keys(prev.causes)]);
    const want = Object.fromEntries([...names].map((n) => [n, [String(cur.causes[n] ?? 0), String(prev.causes[n] ?? 0)]]));
    expect(textCauses(d.text)).toEqual(want);
    expect(htmlCauses(d.html)).toEqual(want);
  });

  it.each([0, 1, 2])('case %i: subject with the headline number and host; a well-formed multipart/alternative', async (i) => {
    const c = cases[i]!;
    const { d, cur, prev } = digestOf(c);
    const hosts = new Set(times.filter((m) => m.t >= c.from && m.t < c.to).map((m) => m.host));
    const host = hosts.size === 1 ? [...hosts][0]! : `${hosts.size} hosts`;
    const subject = d.mail.subject ?? '';
    expect(subject.startsWith(`${host}: `), subject).toBe(true);
    if (cur.backscatter > 0) expect(subject).toContain(`${host}: ${cur.backscatter} backscatter NDR`);
    else expect(subject).toContain('no backscatter');
    if (prev.backscatter > 0 && cur.backscatter > 0) {
      const pct = Math.round((100 * (cur.backscatter - prev.backscatter)) / prev.backscatter);
      expect(subject).toContain(`(${pct > 0 ? '+' : pct < 0 ? '-' : '±'}${Math.abs(pct)}%)`);
    }
    if (/^\d+m$/.test(c.since)) expect(subject).toContain(` in ${c.since}`);
    expect(String(d.mail.headers.get('content-type') && (d.mail.headers.get('content-type') as { value: string }).value)).toBe('multipart/alternative');
    expect(d.mail.date).toBeInstanceOf(Date);
    expect(d.mail.messageId).toMatch(/^<[^<>@\s]+@[^<>\s]+>$/);
    expect(d.mail.headers.get('mime-version')).toBe('1.0');
    expect(d.mail.to && 'text' in d.mail.to ? d.mail.to.text : '').toBe('postmaster@example.test');
  });

  it.each([0, 1, 2])('case %i: text lines fit a terminal; the HTML loads nothing and runs nothing', async (i) => {
    const c = cases[i]!;
    const { d } = digestOf(c);
    // Config lines are kept whole so that they can be copied; everything else fits in 78.
    const long = d.text.split('\n').filter((l) => [...l].length > 78 && !/^ {4}\S/.test(l));
    expect(long).toEqual([]);
    const link = `${DASHBOARD}?from=${iso(c.from).replace('.000Z', 'Z')}&to=${iso(c.to).replace('.000Z', 'Z')}`;
    expect(htmlProblems(d.html, [link])).toEqual([]);
    expect(d.html).toContain(`href="${link.replace(/&/g, '&amp;')}"`);
    expect(d.text).toContain(link);
  });

  it('lists new and worsening findings and the top changes with their first setting', async () => {
    const { d } = digestOf(cases[1]!);
    const advice = JSON.parse(await bwOk(['advise', '--db', db, '--json', '--since', iso(cases[1]!.from), '--until', iso(cases[1]!.to)])) as {
      items: { id: string; title: string; mta: string; host: string; change: string; prevented: number }[];
    };
    const top = advice.items[0]!;
    const setting = top.change.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('#'))!;
    // Each recommendation names the host whose config it is for.
    expect(d.text.replace(/\n {4}/g, ' ')).toContain(`${top.mta} on ${top.host}: ${top.title}`);
    expect(d.text).toContain(`    ${setting}`);
    expect(d.text).toMatch(/New or worse than the period before/);
  });
});
