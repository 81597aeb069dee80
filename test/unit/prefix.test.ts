// Line prefixes: classic syslog with an injected year or clock, RFC 3339, Exim mainlog,
// multi-instance program names.
import { describe, expect, it } from 'vitest';
import { PrefixParser } from '../../src/parse/prefix.ts';

describe('prefix parser', () => {
  it('reads classic syslog with an explicit year and rolls into the next year at Dec -> Jan', () => {
    const p = new PrefixParser({ year: 2025 });
    const a = p.parse('Dec 31 23:59:59 mx1 postfix/smtpd[4712]: connect from x[1.2.3.4]')!;
    const b = p.parse('Jan  1 00:00:01 mx1 postfix/qmgr[1]: ABCDEF123: removed')!;
    expect(new Date(a.time).getFullYear()).toBe(2025);
    expect(new Date(b.time).getFullYear()).toBe(2026);
    expect(b.time - a.time).toBe(2000);
    expect(a).toMatchObject({ host: 'mx1', program: 'postfix/smtpd', daemon: 'smtpd', body: 'connect from x[1.2.3.4]' });
  });

  it('guesses the year from the clock: a December line read in January is last year', () => {
    const now = new Date(2027, 0, 5, 12).getTime();
    const p = new PrefixParser({ refTime: () => now });
    expect(new Date(p.parse('Dec 30 10:00:00 h postfix/smtp[2]: x')!.time).getFullYear()).toBe(2026);
    expect(new Date(p.parse('Jan  5 10:00:00 h postfix/smtp[2]: x')!.time).getFullYear()).toBe(2027);
  });

  it('reads RFC 3339 lines with fractions and zones', () => {
    const p = new PrefixParser();
    const h = p.parse('2026-11-27T18:03:34.161532+01:00 mx1 postfix/submission/smtpd[9889]: hello')!;
    expect(h.time).toBe(Date.UTC(2026, 10, 27, 17, 3, 34, 161));
    expect(h).toMatchObject({ host: 'mx1', program: 'postfix/submission/smtpd', daemon: 'smtpd', body: 'hello' });
  });

  it('takes the daemon from the last part of multi-instance names', () => {
    const p = new PrefixParser({ year: 2026 });
    expect(p.parse('Nov 27 18:00:35 mx2 postfix-out/smtp[1]: x')!.daemon).toBe('smtp');
    expect(p.parse('Nov 27 18:00:35 mx2 postfix-10.20.30.40/smtp[1]: x')!.daemon).toBe('smtp');
  });

  it('reads the Exim mainlog with and without a zone and a pid', () => {
    const p = new PrefixParser({ mainlogHost: 'mx3' });
    const a = p.parse('2026-11-27 18:03:34 +0100 [1234] 1xX0II-0002Zf-0j <= a@b.test H=x [1.2.3.4] P=esmtp S=1')!;
    expect(a.time).toBe(Date.UTC(2026, 10, 27, 17, 3, 34));
    expect(a).toMatchObject({ host: 'mx3', program: 'exim', body: '1xX0II-0002Zf-0j <= a@b.test H=x [1.2.3.4] P=esmtp S=1' });
  });

  it('returns nothing for a line without a known prefix', () => {
    expect(new PrefixParser().parse('ir/)')).toBeUndefined();
    expect(new PrefixParser().parse('')).toBeUndefined();
  });
});
