// The digest's Blocklists section (issue 18): over a listed server's log (test/advise/listed-log.ts,
// with six more of our messages refused for a zen.spamhaus.org listing) and checks recorded through
// the store as serve's watch does, it lists our listed address (since when, the backscatter of the
// week before), the failing checks with their errors, and the period's refusals by list and
// destination domain (the top five); a hostile TXT reason stays text in the HTML part and carries
// no control character into the text part; a period with no check and no refusal has no section.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectDigest, digestPeriods } from '../../src/digest/collect.ts';
import { renderHtml } from '../../src/digest/html.ts';
import { renderText } from '../../src/digest/text.ts';
import { html as htmlText, visible } from '../../src/digest/format.ts';
import { openStore } from '../../src/store/open.ts';
import type { BlocklistCheck } from '../../src/store/types.ts';
import { cliOk } from '../cli/run-cli.ts';
import { LOG } from '../advise/listed-log.ts';
import { bwOk, htmlProblems, parseDigest } from './helpers.ts';

const HOUR = 3_600_000;
// The log is in local time (Nov 27 18:00–18:10); the listing began an hour after its backscatter.
const SINCE = new Date(2026, 10, 27, 19, 0, 0).getTime();
const FROM = new Date(2026, 10, 27).toISOString();
const UNTIL = new Date(2026, 10, 28).toISOString();
const HOSTILE_REASON = 'Listed <img src=x onerror="alert(1)"> \'q\' & \u202egnp.exe\u202c \u001b[31mRED\u2028x';
const ERROR = 'the list refused the query (127.255.255.254): <b>public resolver</b>';
const TIMEOUT = 'no answer within 5 s \u202e';

/** Our user's mail to `domain` refused by its server, which names zen.spamhaus.org: message n of the extra ones. */
function refused(n: number, domain: string): string[] {
  const q = `5E6F7081A${n}`;
  const t = `Nov 27 18:1${n}:01 mx1`;
  return [
    `${t} postfix/smtpd[4712]: ${q}: client=unknown[203.0.113.9], sasl_method=PLAIN, sasl_username=alice`,
    `${t} postfix/cleanup[4715]: ${q}: message-id=<out-x${n}@pfx.test>`,
    `${t} postfix/qmgr[4654]: ${q}: from=<alice@pfx.test>, size=812, nrcpt=1 (queue active)`,
    `${t} postfix/smtp[4720]: ${q}: to=<bob@${domain}>, relay=mx.${domain}[192.0.2.3${n}]:25, delay=1, delays=0.1/0/0.4/0.5, dsn=5.7.1, status=bounced (host mx.${domain}[192.0.2.3${n}] said: 554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org (in reply to RCPT TO command))`,
    `${t} postfix/qmgr[4654]: ${q}: removed`,
  ];
}
// Two more refusals at example.net (three in all, the most), one each at four other domains.
const EXTRA = ['example.net', 'example.net', 'a.test', 'b.test', 'c.test', 'd.test'];

const base = { codes: [] as string[], reasons: [] as string[], meaning: null, error: null, agent: 'mx1' };
const CHECKS: BlocklistCheck[][] = [
  [
    { ...base, address: '198.51.100.7', zone: 'ips.backscatterer.org', status: 'not_listed', checked_at: SINCE - HOUR },
    { ...base, address: '198.51.100.7', zone: 'zen.spamhaus.org', status: 'not_listed', checked_at: SINCE - HOUR },
  ],
  [
    { ...base, address: '198.51.100.7', zone: 'ips.backscatterer.org', status: 'listed', codes: ['127.0.0.2'], reasons: [HOSTILE_REASON],
      meaning: 'sends bounces to forged senders', checked_at: SINCE },
    // A failed check keeps the known status and records its error.
    { ...base, address: '198.51.100.7', zone: 'zen.spamhaus.org', status: 'unknown', error: TIMEOUT, checked_at: SINCE },
    // Never checked successfully.
    { ...base, address: '203.0.113.5', zone: 'zen.spamhaus.org', status: 'unknown', error: ERROR, checked_at: SINCE, agent: 'mx2' },
  ],
];

const WANT = {
  listed: [{ address: '198.51.100.7', zone: 'ips.backscatterer.org', since: SINCE, codes: ['127.0.0.2'], meaning: 'sends bounces to forged senders', reasons: [HOSTILE_REASON], backscatterBefore: 1 }],
  failing: [
    { address: '198.51.100.7', zone: 'zen.spamhaus.org', status: 'not_listed', error: TIMEOUT, checked_at: SINCE },
    { address: '203.0.113.5', zone: 'zen.spamhaus.org', status: 'unknown', error: ERROR, checked_at: SINCE },
  ],
  // The log's own two refusals and the six above: the top five by count, then list, then domain.
  refusals: [
    { list: 'zen.spamhaus.org', domain: 'example.net', count: 3 },
    { list: 'ips.backscatterer.org', domain: 'victims.test', count: 1 },
    { list: 'zen.spamhaus.org', domain: 'a.test', count: 1 },
    { list: 'zen.spamhaus.org', domain: 'b.test', count: 1 },
    { list: 'zen.spamhaus.org', domain: 'c.test', count: 1 },
  ],
  refusalsTotal: 8,
  refusalRows: 6,
};

const flat = (s: string) => s.replace(/\s+/g, ' ');
const utc = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

let dir = '';
let db = '';

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'bw-digest-blocklists-'));
  const log = path.join(dir, 'mail.log');
  writeFileSync(log, `${[...LOG, ...EXTRA.flatMap((d, i) => refused(i, d))].join('\n')}\n`);
  db = path.join(dir, 'bw.db');
  cliOk(['import', '--db', db, '--year', '2026', '--local-domains', 'pfx.test', log]);
  const store = await openStore(db);
  try {
    for (const batch of CHECKS) await store.recordBlocklist(batch);
  } finally {
    await store.close();
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function digestOf(since = FROM, until = UNTIL) {
  const store = await openStore(db);
  try {
    return await collectDigest(store, digestPeriods(since, until));
  } finally {
    await store.close();
  }
}

describe('digest: Blocklists', () => {
  it('collects the listings, the failing checks and the top refusals', async () => {
    const d = await digestOf();
    const sortFailing = (a: { address: string; zone: string }, b: { address: string; zone: string }) => `${a.address} ${a.zone}`.localeCompare(`${b.address} ${b.zone}`);
    expect({ ...d.blocklists, failing: [...d.blocklists.failing].sort(sortFailing) }).toEqual({ checked: 3, ...WANT });
  });

  it('the text part lists them, the hostile reason visible and without control characters', async () => {
    const text = renderText(await digestOf());
    const lines = text.split('\n');
    const start = lines.indexOf('Blocklists');
    expect(start).toBeGreaterThan(0);
    expect(lines[start + 1]).toBe('----------');
    expect(lines[start + 2]).toBe('1 listing of our addresses: stop the backscatter first, then ask for delisting.');
    expect(flat(text)).toContain(`1. 198.51.100.7 at ips.backscatterer.org, listed since ${utc(SINCE)} UTC: 1 backscatter NDR in the week before`);
    expect(flat(text)).toContain('127.0.0.2: sends bounces to forged senders');
    expect(flat(text)).toContain(flat(visible(HOSTILE_REASON)));
    expect(text).toContain('\\u{202e}gnp.exe\\u{202c}');
    expect(text).toContain('Checks that fail (the last known status stays):');
    expect(flat(text)).toContain(`203.0.113.5 at zen.spamhaus.org (unknown): ${ERROR}`);
    expect(flat(text)).toContain(`198.51.100.7 at zen.spamhaus.org (not listed): ${visible(TIMEOUT)}`);
    expect(text).toContain('Our mail refused for a listing in this period: 8 refusals');
    const head = lines.findIndex((l) => /^\s+list\s+destination domain\s+refused$/.test(l));
    const table = lines.slice(head + 1, head + 1 + WANT.refusals.length).map((l) => l.trim().split(/\s{2,}/));
    expect(table).toEqual(WANT.refusals.map((r) => [r.list, r.domain, String(r.count)]));
    expect(lines[head + 1 + WANT.refusals.length]).toBe('  and 1 more lists and domains');
    // eslint-disable-next-line no-control-regex -- looking for control characters
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u202a-\u202e]/);
  });

  it('the HTML part has the section; the hostile reason is text, never markup', async () => {
    const html = renderHtml(await digestOf());
    expect(htmlProblems(html)).toEqual([]);
    expect(html).toContain('>Blocklists</h2>');
    expect(/data-k="listed">(\d+)</.exec(html)?.[1]).toBe('1');
    expect([...html.matchAll(/<tr data-bl-listed>/g)].length).toBe(1);
    expect(/data-bl-before>(\d+)</.exec(html)?.[1]).toBe('1');
    expect(html).toContain(`${utc(SINCE)} UTC`);
    expect(html).toContain(htmlText(HOSTILE_REASON));
    expect(html).toContain('Listed &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &#39;q&#39; &amp; \\u{202e}gnp.exe');
    expect(html).not.toMatch(/<img\b/i);
    const failing = [...html.matchAll(/<tr data-bl-failing>(.*?)<\/tr>/g)].map((m) => m[1]!);
    expect(failing.length).toBe(2);
    expect(failing.join('')).toContain(htmlText(ERROR));
    expect(html).not.toContain('<b>public resolver');
    const refusals = [...html.matchAll(/<tr data-bl-refusal>(.*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/>([^<>]*)<\/td>/g)].map((c) => c[1]));
    expect(refusals).toEqual(WANT.refusals.map((r) => [r.list, r.domain, String(r.count)]));
    expect(html).toContain('and 1 more lists and domains');
    // eslint-disable-next-line no-control-regex -- looking for control characters
    expect(html).not.toMatch(/[\u001b\u2028\u202a-\u202e]/);
  });

  it('a period before the watch and without refusals has no section in an empty database', async () => {
    const empty = path.join(dir, 'empty.db');
    const store = await openStore(empty);
    try {
      const d = await collectDigest(store, digestPeriods('1h', '2026-11-27T12:00:00Z'));
      expect(d.blocklists).toEqual({ checked: 0, listed: [], failing: [], refusals: [], refusalsTotal: 0, refusalRows: 0 });
      expect(renderText(d)).not.toMatch(/^Blocklists$/m);
      expect(renderHtml(d)).not.toContain('>Blocklists</h2>');
    } finally {
      await store.close();
    }
  });

  it('with checks but no refusal in the period it still shows the listing', async () => {
    const d = await digestOf('2020-01-01T00:00:00Z', '2020-01-02T00:00:00Z');
    expect(d.blocklists.refusals).toEqual([]);
    expect(d.blocklists.listed.length).toBe(1);
    const text = renderText(d);
    expect(text).toMatch(/^Blocklists$/m);
    expect(text).not.toContain('Our mail refused for a listing');
  });

  it('`bouncewatch digest --dry-run` mails the section', async () => {
    const raw = await bwOk(['digest', '--db', db, '--since', FROM, '--until', UNTIL, '--to', 'ops@example.test', '--dry-run']);
    const { text, html } = await parseDigest(raw);
    expect(text).toContain('1 listing of our addresses');
    expect(flat(text)).toContain(flat(visible(HOSTILE_REASON)));
    expect(html).toContain('>Blocklists</h2>');
    expect(htmlProblems(html)).toEqual([]);
  });
});
