// A listed server's log, in Postfix 3.7's shapes (../shared/docs/mail-logs.md §3, §5): its own
// mail refused by a remote that names zen.spamhaus.org, its backscatter NDR refused by a server
// that names ips.backscatterer.org, and a blocklist of its own refusing a client at RCPT.
// Read by test/advise/listed.test.ts and test/http/api-blocklists.test.ts.
export const LOG = [
  // 1. Our user's mail (SASL-authenticated submission) refused by the remote: we are listed.
  'Nov 27 18:00:01 mx1 postfix/smtpd[4712]: 1A2B3C4D5E: client=unknown[203.0.113.9], sasl_method=PLAIN, sasl_username=alice',
  'Nov 27 18:00:01 mx1 postfix/cleanup[4715]: 1A2B3C4D5E: message-id=<out-1@pfx.test>',
  'Nov 27 18:00:01 mx1 postfix/qmgr[4654]: 1A2B3C4D5E: from=<alice@pfx.test>, size=812, nrcpt=1 (queue active)',
  'Nov 27 18:00:02 mx1 postfix/smtp[4720]: 1A2B3C4D5E: to=<bob@example.net>, relay=mx.example.net[192.0.2.25]:25, delay=1, delays=0.1/0/0.4/0.5, dsn=5.7.1, status=bounced (host mx.example.net[192.0.2.25] said: 554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/198.51.100.7 (in reply to RCPT TO command))',
  'Nov 27 18:00:02 mx1 postfix/cleanup[4715]: 2B3C4D5E6F: message-id=<ndr-1@mx1.pfx.test>',
  'Nov 27 18:00:02 mx1 postfix/bounce[4721]: 1A2B3C4D5E: sender non-delivery notification: 2B3C4D5E6F',
  'Nov 27 18:00:02 mx1 postfix/qmgr[4654]: 2B3C4D5E6F: from=<>, size=2469, nrcpt=1 (queue active)',
  'Nov 27 18:00:02 mx1 postfix/qmgr[4654]: 1A2B3C4D5E: removed',
  'Nov 27 18:00:02 mx1 postfix/local[4722]: 2B3C4D5E6F: to=<alice@pfx.test>, relay=local, delay=0.01, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)',
  'Nov 27 18:00:02 mx1 postfix/qmgr[4654]: 2B3C4D5E6F: removed',
  // 2. Backscatter: a forged sender's mail to an unknown local user, bounced after accept; the
  //    NDR itself is refused by the forged domain's server (backscatterer.org lists us).
  'Nov 27 18:01:01 mx1 postfix/smtpd[4712]: 3C4D5E6F70: client=unknown[192.0.2.77]',
  'Nov 27 18:01:01 mx1 postfix/cleanup[4715]: 3C4D5E6F70: message-id=<spam-1@victims.test>',
  'Nov 27 18:01:01 mx1 postfix/qmgr[4654]: 3C4D5E6F70: from=<ghost@victims.test>, size=515, nrcpt=1 (queue active)',
  'Nov 27 18:01:01 mx1 postfix/local[4722]: 3C4D5E6F70: to=<nobody@pfx.test>, relay=local, delay=0.03, delays=0.01/0/0/0.01, dsn=5.1.1, status=bounced (unknown user: "nobody")',
  'Nov 27 18:01:01 mx1 postfix/cleanup[4715]: 4D5E6F7081: message-id=<ndr-2@mx1.pfx.test>',
  'Nov 27 18:01:01 mx1 postfix/bounce[4721]: 3C4D5E6F70: sender non-delivery notification: 4D5E6F7081',
  'Nov 27 18:01:01 mx1 postfix/qmgr[4654]: 4D5E6F7081: from=<>, size=2469, nrcpt=1 (queue active)',
  'Nov 27 18:01:01 mx1 postfix/qmgr[4654]: 3C4D5E6F70: removed',
  'Nov 27 18:01:02 mx1 postfix/smtp[4723]: 4D5E6F7081: to=<ghost@victims.test>, relay=mx.victims.test[192.0.2.99]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host mx.victims.test[192.0.2.99] said: 550 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using ips.backscatterer.org (in reply to RCPT TO command))',
  'Nov 27 18:01:02 mx1 postfix/qmgr[4654]: 4D5E6F7081: removed',
  // 3. A blocklist this server uses refuses a client at RCPT: the good path.
  'Nov 27 18:02:01 mx1 postfix/smtpd[4712]: NOQUEUE: reject: RCPT from unknown[192.0.2.88]: 554 5.7.1 Service unavailable; Client host [192.0.2.88] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.88; from=<x@spam.test> to=<carol@pfx.test> proto=ESMTP helo=<spam.test>',
  'Nov 27 18:02:02 mx1 postfix/smtpd[4712]: NOQUEUE: reject: RCPT from unknown[192.0.2.89]: 550 5.1.1 <dave@pfx.test>: Recipient address rejected: User unknown in local recipient table; from=<y@spam.test> to=<dave@pfx.test> proto=ESMTP helo=<spam.test>',
];
