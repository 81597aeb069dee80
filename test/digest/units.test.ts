// The digest's small rules: periods and their labels, the subject, findings (new or worse),
// the first setting of a change, the dashboard link, the transport argument and the table layout.
import { describe, expect, it } from 'vitest';
import type { Recommendation } from '../../src/advise/types.ts';
import { adviceChanges, dashboardLink, digestPeriods, firstSetting, formatDuration } from '../../src/digest/collect.ts';
import { formatChange, refusalShare, subjectLine } from '../../src/digest/figures.ts';
import { textTable, WIDTH } from '../../src/digest/format.ts';
import { deliver, parseTransport } from '../../src/digest/mail.ts';
import type { Summary } from '../../src/report/summary.ts';

const H = 3_600_000;

describe('periods', () => {
  it('counts a span back from --until, and the period before has the same length', () => {
    const p = digestPeriods('24h', '2026-11-28T00:00:00Z');
    expect(p.current).toEqual({ from: Date.parse('2026-11-27T00:00:00Z'), to: Date.parse('2026-11-28T00:00:00Z') });
    expect(p.previous).toEqual({ from: Date.parse('2026-11-26T00:00:00Z'), to: Date.parse('2026-11-27T00:00:00Z') });
    expect(p.label).toBe('24h');
  });

  it('counts back from now without --until; ISO times get their length as the label', () => {
    const now = Date.parse('2026-11-27T12:00:00Z');
    expect(digestPeriods('7d', undefined, now).current).toEqual({ from: now - 7 * 24 * H, to: now });
    expect(digestPeriods('2026-11-27T10:42:52Z', '2026-11-27T11:00:00Z').label).toBe('17m 8s');
    expect(digestPeriods('2026-11-20T00:00:00Z', '2026-11-27T00:00:00Z').label).toBe('7d');
  });

  it('refuses a start that is not before the end', () => {
    expect(() => digestPeriods('2026-11-28', '2026-11-27')).toThrow(/--since/);
    expect(() => digestPeriods('yesterday', undefined)).toThrow(/--since: "yesterday"/);
  });

  it('writes lengths with their two largest units', () => {
    expect(formatDuration(90 * 60_000)).toBe('1h 30m');
    expect(formatDuration(26 * H + 5000)).toBe('1d 2h');
    expect(formatDuration(24 * H + 5000)).toBe('1d');
    expect(formatDuration(0)).toBe('0s');
  });
});

describe('subject', () => {
  const s = (backscatter: number, previous: number, prefix?: string) => subjectLine({ host: 'mx1', label: '24h', backscatter, previous, prefix });
  it('carries the headline number and its change', () => {
    expect(s(312, 223)).toBe('mx1: 312 backscatter NDRs in 24h (+40%)');
    expect(s(5, 10)).toBe('mx1: 5 backscatter NDRs in 24h (-50%)');
    expect(s(1, 0)).toBe('mx1: 1 backscatter NDR in 24h (none before)');
    expect(s(7, 7, '[bw]')).toBe('[bw] mx1: 7 backscatter NDRs in 24h (±0%)');
  });
  it('is calm when there is nothing to report', () => {
    expect(s(0, 0)).toBe('mx1: no backscatter in 24h');
    expect(s(0, 4)).toBe('mx1: no backscatter in 24h (was 4)');
  });
});

describe('figures', () => {
  const summary = (rejected: number, causes: Record<string, number>) => ({ rejected_at_smtp: rejected, causes }) as unknown as Summary;
  it('the refused share is rejects over rejects plus failed recipients, or nothing', () => {
    expect(refusalShare(summary(3, { unknown_recipient: 6, expired: 3 }))).toBe(0.25);
    expect(refusalShare(summary(0, {}))).toBeNull();
  });
  it('changes are absolute and relative; a share changes in points', () => {
    const count = { key: 'ndrs', label: '', kind: 'count' } as const;
    expect(formatChange({ ...count, current: 14, previous: 10 })).toBe('+4 (+40%)');
    expect(formatChange({ ...count, current: 3, previous: 0 })).toBe('+3 (new)');
    expect(formatChange({ ...count, current: 0, previous: 0 })).toBe('0');
    const share = { key: 'smtp_refusal_share', label: '', kind: 'share' } as const;
    expect(formatChange({ ...share, current: 0.5, previous: 0.25 })).toBe('+25.0 pp');
    expect(formatChange({ ...share, current: 0.5, previous: null })).toBe('');
  });
});

describe('findings and advice', () => {
  const rec = (id: string, prevented: number) => ({ id, mta: 'postfix', title: id, prevented }) as Recommendation;
  it('are new when their id is new, worse when they would prevent more', () => {
    const out = adviceChanges([rec('a', 5), rec('b', 3), rec('c', 2), rec('d', 1)], [rec('b', 1), rec('c', 2), rec('d', 4), rec('e', 9)]);
    expect(out.map((f) => [f.id, f.status, f.previous])).toEqual([['a', 'new', 0], ['b', 'worse', 1]]);
  });
  it('take the first line of a change that is not a comment', () => {
    expect(firstSetting('# acl_smtp_rcpt:\n\ndeny    message = unknown user\n        domains = +local_domains')).toBe('deny    message = unknown user');
    expect(firstSetting('message_size_limit = 20000\n# note')).toBe('message_size_limit = 20000');
    // A listing's change has no setting: its first comment says what to do.
    expect(firstSetting('# nothing to set in main.cf: this server is listed by zen.spamhaus.org (3)\n# 1. stop')).toBe('nothing to set in main.cf: this server is listed by zen.spamhaus.org (3)');
  });
  it('link to the dashboard with the period in the query', () => {
    const p = { from: Date.parse('2026-11-27T19:00:00Z'), to: Date.parse('2026-11-27T20:00:00.500Z') };
    expect(dashboardLink('http://mx1:9825/', p)).toBe('http://mx1:9825/?from=2026-11-27T19:00:00Z&to=2026-11-27T20:00:00.500Z');
    expect(dashboardLink('https://h/bw/?k=1&from=x#top', p)).toBe('https://h/bw/?k=1&from=2026-11-27T19:00:00Z&to=2026-11-27T20:00:00.500Z#top');
  });
});

describe('transport argument', () => {
  it('defaults to sendmail when the binary exists, else stdout', () => {
    expect(parseTransport(undefined, '/bin/sh')).toEqual({ kind: 'sendmail', path: '/bin/sh' });
    expect(parseTransport(undefined, '/nonexistent/sendmail')).toEqual({ kind: 'stdout' });
  });
  it('reads smtp://HOST:PORT, and refuses the rest', () => {
    expect(parseTransport('smtp://127.0.0.1:2525')).toEqual({ kind: 'smtp', host: '127.0.0.1', port: 2525 });
    expect(parseTransport('smtp://[::1]')).toEqual({ kind: 'smtp', host: '::1', port: 25 });
    expect(() => parseTransport('smtp://u:p@h:25')).toThrow(/only smtp:\/\/HOST:PORT/);
    expect(() => parseTransport('mailgun')).toThrow(/must be sendmail, smtp:\/\/HOST:PORT or stdout/);
  });
  it('turns a sendmail that fails into one line naming the transport', async () => {
    const mail = { from: 'bw@example.test', to: ['ops@example.test'], subject: 's', text: 't' };
    await expect(deliver({ kind: 'sendmail', path: '/bin/false' }, mail)).rejects.toThrow(/^sending the digest by sendmail:\/bin\/false failed: Sendmail exited with code 1$/);
  });
});

describe('text tables', () => {
  it('fit in 78 characters by cutting the widest text column', () => {
    const rows = [['x'.repeat(120), 'y'.repeat(40), '12']];
    const lines = textTable([{ head: 'a', untrusted: true }, { head: 'b' }, { head: 'n', right: true }], rows);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(WIDTH);
    expect(lines[1]).toMatch(/x…\s+y+\s+12$/);
  });
});
