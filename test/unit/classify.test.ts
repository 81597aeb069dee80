// The cause table and the internal-network matcher, on reply texts taken from real logs.
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/correlate/causes.ts';
import { NetworkList } from '../../src/correlate/networks.ts';

describe('cause table', () => {
  const cases: [string, string | undefined, string, string][] = [
    ['bounced', '5.1.1', 'host mx[1.2.3.4] said: 550 5.1.1 <a@b>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)', 'unknown_recipient'],
    ['bounced', '5.1.1', 'unknown user: "frank"', 'unknown_recipient'],
    ['bounced', '5.2.2', 'Mailbox full: quota exceeded for frank@pfx.test ', 'mailbox_full'],
    ['bounced', '5.3.4', 'host x said: 552 5.3.4 Message size exceeds fixed limit (in reply to end of DATA command)', 'message_too_large'],
    ['bounced', '5.7.1', 'host 127.0.0.1[127.0.0.1] said: 554 5.7.1 Virus found: Eicar-Test-Signature (in reply to end of DATA command)', 'content_rejected'],
    ['bounced', '5.7.1', 'host x said: 554 5.7.1 <a@b>: Relay access denied (in reply to RCPT TO command)', 'relay_rejected'],
    ['bounced', '5.4.6', 'mail forwarding loop for a@b', 'loop'],
    ['expired', '4.4.1', 'connect to x: Connection timed out', 'expired'],
    ['bounced', '5.0.0', 'something nobody foresaw', 'other'],
  ];
  it.each(cases)('%s %s "%s" -> %s', (status, dsn, reason, cause) => {
    expect(classify({ status, dsn, reason, agent: 'smtp' })).toBe(cause);
  });

  it('calls a refusal of a forwarded recipient forward_rejected, but not a local alias failure', () => {
    const refused = { status: 'bounced', dsn: '5.1.1', reason: 'host x said: 550 5.1.1 User unknown', origAddress: 'fwd@pfx.test' };
    expect(classify({ ...refused, agent: 'smtp' })).toBe('forward_rejected');
    expect(classify({ ...refused, agent: 'local' })).toBe('unknown_recipient');
  });
});

describe('internal networks', () => {
  it('matches IPv4 and IPv6 CIDRs and nothing else', () => {
    const n = NetworkList.parse('127.0.0.1/32, ::1/128,10.0.0.0/8 2001:db8::/32');
    expect(n.contains('127.0.0.1')).toBe(true);
    expect(n.contains('127.1.73.105')).toBe(false);
    expect(n.contains('10.200.1.1')).toBe(true);
    expect(n.contains('::1')).toBe(true);
    expect(n.contains('2001:db8:1::5')).toBe(true);
    expect(n.contains('2001:db9::5')).toBe(false);
    expect(n.contains('unknown')).toBe(false);
  });
  it('refuses a bad network naming it', () => {
    expect(() => NetworkList.parse('127.0.0.1/33')).toThrow(/127\.0\.0\.1\/33/);
    expect(() => NetworkList.parse('mx.example')).toThrow(/mx\.example/);
  });
});
