// Refusals that name a blocklist get the cause `listed` and the list's name: real reject and
// delivery lines from ../shared/corpora (found by path and a piece of the line, never copied),
// read by the parser, then classified. Expected values were read off the lines by hand.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listName } from '../../src/correlate/blocklists.ts';
import { classify } from '../../src/correlate/causes.ts';
import type { MailEvent } from '../../src/parse/events.ts';
import { LineParser } from '../../src/parse/line.ts';
import { parsePostfixBody } from '../../src/parse/postfix/index.ts';
import { CORPORA, corporaPresent } from '../corpora/walk.ts';

const present = corporaPresent();
if (!present) console.warn('[blocklists] SKIPPING the corpora cases: ../shared/corpora is absent');

/** The line of `file` holding `piece`; `daemon` when the file holds Postfix bodies without a prefix. */
function eventOf(file: string, piece: string, daemon?: string): MailEvent {
  const line = readFileSync(join(CORPORA, file), 'utf8').split('\n').find((l) => l.includes(piece));
  if (line === undefined) throw new Error(`${file}: no line holds ${piece}`);
  // Files of bare Postfix bodies drop the `NOQUEUE: ` that smtpd writes before a reject.
  const body = (l: string) => (/^(?:NOQUEUE|[0-9A-F]+): /.test(l) ? l : `NOQUEUE: ${l}`);
  const r = daemon ? parsePostfixBody(daemon, body(line)) : new LineParser({ year: 2020 }).parse(line).event;
  if (r === undefined || r === 'known') throw new Error(`${file}: not an event: ${line}`);
  return r;
}

function causeOf(e: MailEvent): { cause: string; list: string | null } {
  if (e.kind === 'reject') return { cause: classify({ status: 'bounced', dsn: e.dsn, reason: e.reason }), list: listName(e.reason) };
  if (e.kind === 'delivery') return { cause: classify({ status: e.status, dsn: e.dsn, reason: e.reason, agent: e.agent }), list: listName(e.reason) };
  throw new Error(`not a reject or delivery: ${e.kind}`);
}

describe.skipIf(!present)('blocklist refusals in real logs', () => {
  // SMTP-time rejects at our server by a list it uses.
  const atOurServer: [string, string, string | undefined, string][] = [
    // Postfix reject_rbl_client (smtpd), real server.
    ['kdent-postfix_log_analysis/mail.log', 'Client host [59.18.82.146] blocked using', undefined, 'zen.spamhaus.org'],
    // postscreen_dnsbl_sites; and reject_rhsbl_helo naming the HELO.
    ['whyscream-postfix-grok-patterns/postfix-messages.log', 'client [27.157.200.233] blocked using', 'postscreen', 'zen.spamhaus.org'],
    ['whyscream-postfix-grok-patterns/postfix-messages.log', 'Helo command [news.zihan-promo.com] blocked using', 'smtpd', 'dbl.spamhaus.org'],
    // Older Postfix texts: ", reason:" after the zone, and a list named in words.
    ['logwatch-postfix/postfix-TD-lines.log', '[10.0.0.3] blocked using bl.spamcop.net, reason', 'smtpd', 'bl.spamcop.net'],
    ['logwatch-postfix/postfix-TD-lines.log', '[10.0.0.4] blocked using sbl.spamhaus.org', 'smtpd', 'sbl.spamhaus.org'],
    ['logwatch-postfix/postfix-TD-lines.log', 'blocked using Trend Micro RBL+', 'smtpd', 'trend micro rbl+'],
    // Exim dnslists: the default message, a custom one, and a message naming only a lookup URL.
    ['fail2ban/exim-spam.log', 'is in a black list at dnsbl.sorbs.net', undefined, 'dnsbl.sorbs.net'],
    ['fail2ban/exim-spam.log', 'rejected found in dnsbl zen.spamhaus.org', undefined, 'zen.spamhaus.org'],
    ['crowdsec-hub/exim-logs/exim-logs.log', 'JunkMail rejected', undefined, 'spamhaus.org'],
    ['exim-testsuite/log/4116', 'host is listed in rbl2.test.ex', undefined, 'rbl2.test.ex'],
    ['exim-testsuite/log/0023', 'DNSLIST (rbl.test.ex:', undefined, 'rbl.test.ex'],
  ];
  it.each(atOurServer)('%s: "%s" is listed (%s) at %s', (file, piece, daemon, list) => {
    const e = eventOf(file, piece, daemon);
    expect(e.kind).toBe('reject');
    expect(causeOf(e)).toEqual({ cause: 'listed', list });
  });

  // Our deliveries refused by a remote server because this server is listed.
  it('a remote refusal "on our block list" (Microsoft) is listed, named by the page it points at', () => {
    const e = eventOf('lightmeter-controlcenter/individual_files/2_multiple_recipients_some_bounces.log', "weren't sent");
    expect(e).toMatchObject({ kind: 'delivery', status: 'bounced', dsn: '5.7.1' });
    expect(causeOf(e)).toEqual({ cause: 'listed', list: 'live.com' });
  });
  it('a remote "Blocked - see .../dnsbl-lookup" (Proofpoint) is listed', () => {
    const e = eventOf('lightmeter-controlcenter/embedded_parser_test_lines.log', 'dnsbl-lookup');
    expect(e).toMatchObject({ kind: 'delivery', status: 'deferred' });
    expect(causeOf(e)).toEqual({ cause: 'listed', list: 'proofpoint.com' });
  });

  it('greylisting is not a listing', () => {
    const e = eventOf('whyscream-postfix-grok-patterns/postfix-messages.log', 'Greylisted, see', 'smtp');
    expect(e).toMatchObject({ kind: 'delivery', status: 'deferred' });
    expect(causeOf(e).cause).not.toBe('listed');
    expect(causeOf(e).list).toBeNull();
  });
});

describe('blocklist refusals written from the MTAs\' documentation', () => {
  const remote = (reply: string) => `host mx.example.net[192.0.2.25] said: ${reply} (in reply to RCPT TO command)`;
  const cases: [string, string | undefined, string, string, string | null][] = [
    // Postfix smtp(8) bounce of our own mail: the zone is cut before Postfix's "(in reply to".
    ['bounced', '5.7.1', remote('554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org'), 'listed', 'zen.spamhaus.org'],
    // An NDR we sent, refused because backscatterer.org lists this server.
    ['bounced', '5.7.1', remote('550 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using ips.backscatterer.org; https://www.backscatterer.org/?ip=198.51.100.7'), 'listed', 'ips.backscatterer.org'],
    ['bounced', '5.7.1', remote('550 5.7.1 Rejected: 198.51.100.7 listed at b.barracudacentral.org'), 'listed', 'b.barracudacentral.org'],
    // Exim as the remote: its default dnslists message.
    ['bounced', undefined, 'SMTP error from remote mail server after RCPT TO:<a@example.net>: 550 rejected because 198.51.100.7 is in a black list at bl.spamcop.net', 'listed', 'bl.spamcop.net'],
    // A known list named without its zone: the name alone.
    ['bounced', '5.7.1', remote('553 5.7.1 [BL21] Connections will not be accepted from 198.51.100.7, because the ip is in Spamhaus\'s list; see https://postmaster.example.com/error-codes'), 'listed', 'spamhaus'],
    // Forwarded mail refused for a listing: the listing, not the forward, is what to fix.
    ['bounced', '5.7.1', remote('554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using bl.spamcop.net'), 'listed', 'bl.spamcop.net'],
    // Not listings: Domino's unknown user, a spam verdict, a relay refusal, greylisting.
    ['bounced', '5.1.1', remote('550 5.1.1 <a@example.net>... User not listed in Domino Directory'), 'unknown_recipient', null],
    ['bounced', '5.7.1', remote('554 5.7.1 Spam message rejected'), 'content_rejected', null],
    ['bounced', '5.7.1', remote('554 5.7.1 Rejected as spam: score 9.1 (RCVD_IN_BL_SPAMCOP_NET,URIBL_BLACK)'), 'content_rejected', null],
    ['bounced', '5.7.1', remote('554 5.7.1 <a@example.net>: Relay access denied'), 'relay_rejected', null],
    ['deferred', '4.2.0', remote('450 4.2.0 <a@example.net>: Recipient address rejected: Greylisted'), 'relay_rejected', null],
  ];
  it.each(cases)('%s %s "%s" -> %s %s', (status, dsn, reason, cause, list) => {
    expect(classify({ status, dsn, reason, agent: 'smtp' })).toBe(cause);
    expect(listName(reason)).toBe(list);
  });

  it('a listing wins over forward_rejected', () => {
    const reason = remote('554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using bl.spamcop.net');
    expect(classify({ status: 'bounced', dsn: '5.7.1', reason, agent: 'smtp', origAddress: 'fwd@example.org' })).toBe('listed');
  });
});
