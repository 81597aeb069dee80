// postfix/smtp (the SMTP/LMTP client): deliveries to a remote server or to a content filter on
// this machine (whose "queued as" is a hop into our own queue), deferrals, bounces, forwards'
// copies (orig_to), and address-verification probes, which are not deliveries.
import { parserTable } from './table.ts';

const mailstore = '127.0.0.31[127.0.0.31]:25';

parserTable('postfix/smtp', [
  // A remote server's own id (MX00001) is not of Postfix's shape: no hop.
  [
    'Dec  3 12:48:59 mx1 postfix/smtp[9010]: 677912107E5: to=<ghost11@shop11.victims.test>, relay=127.0.0.41[127.0.0.41]:25, delay=0.11, delays=0.04/0.01/0.06/0.01, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as MX00001)',
    { kind: 'delivery', qid: '677912107E5', agent: 'smtp', to: 'ghost11@shop11.victims.test', relay: '127.0.0.41[127.0.0.41]:25', dsn: '2.0.0', status: 'sent', reason: '250 2.0.0 Ok: queued as MX00001' },
  ],
  // conn_use= (a reused connection) sits between relay= and delay=.
  [
    'Dec  3 12:48:59 mx1 postfix/smtp[9011]: CDB3E21051B: to=<ghost42@shop42.victims.test>, relay=127.0.0.41[127.0.0.41]:25, conn_use=2, delay=0.12, delays=0.02/0.05/0.05/0, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as MX00009)',
    { kind: 'delivery', qid: 'CDB3E21051B', agent: 'smtp', to: 'ghost42@shop42.victims.test', relay: '127.0.0.41[127.0.0.41]:25', dsn: '2.0.0', status: 'sent', reason: '250 2.0.0 Ok: queued as MX00009' },
  ],
  // A quoted local part with `>`, `,` and an escaped quote is one address.
  [
    'Dec  3 12:49:01 mx1 postfix/smtp[9032]: 49B9A2107EE: to=<"x>y, z\\"w"@shop192.victims.test>, relay=127.0.0.41[127.0.0.41]:25, delay=0.06, delays=0.01/0/0.05/0, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as MX00022)',
    { kind: 'delivery', qid: '49B9A2107EE', agent: 'smtp', to: '"x>y, z\\"w"@shop192.victims.test', relay: '127.0.0.41[127.0.0.41]:25', dsn: '2.0.0', status: 'sent', reason: '250 2.0.0 Ok: queued as MX00022' },
  ],
  // The content filter on 127.0.0.1:10024 re-queued the message here as 3E6A42104DC: a hop.
  [
    'Dec  3 12:49:00 mx1 postfix/smtp[9042]: 17AEB2102FE: to=<alice@pfx.test>, relay=127.0.0.1[127.0.0.1]:10024, delay=0.28, delays=0.06/0/0.05/0.17, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 3E6A42104DC)',
    { kind: 'delivery', qid: '17AEB2102FE', agent: 'smtp', to: 'alice@pfx.test', relay: '127.0.0.1[127.0.0.1]:10024', dsn: '2.0.0', status: 'sent', reason: '250 2.0.0 Ok: queued as 3E6A42104DC', nextQid: '3E6A42104DC', hop: 'filter' },
  ],
  // The filter refused it at end of DATA: a bounce by our own filter.
  [
    'Dec  3 12:49:00 mx1 postfix/smtp[9041]: E265021051C: to=<carol@relay.pfx.test>, relay=127.0.0.1[127.0.0.1]:10024, delay=0.18, delays=0.06/0.07/0.04/0, dsn=5.7.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 554 5.7.1 Reject, id=8744-01 - INFECTED: Eicar-Test-Signature (in reply to end of DATA command))',
    {
      kind: 'delivery', qid: 'E265021051C', agent: 'smtp', to: 'carol@relay.pfx.test', relay: '127.0.0.1[127.0.0.1]:10024', dsn: '5.7.1', status: 'bounced',
      reason: 'host 127.0.0.1[127.0.0.1] said: 554 5.7.1 Reject, id=8744-01 - INFECTED: Eicar-Test-Signature (in reply to end of DATA command)',
    },
  ],
  [
    'Dec  3 12:48:59 mx1 postfix/smtp[9011]: 388F52107B4: to=<stuck161@relay.pfx.test>, relay=127.0.0.31[127.0.0.31]:25, delay=0.25, delays=0.14/0.04/0.04/0.03, dsn=4.3.0, status=deferred (host 127.0.0.31[127.0.0.31] said: 451 4.3.0 <stuck161@relay.pfx.test>: Temporary lookup failure (in reply to RCPT TO command))',
    {
      kind: 'delivery', qid: '388F52107B4', agent: 'smtp', to: 'stuck161@relay.pfx.test', relay: mailstore, dsn: '4.3.0', status: 'deferred',
      reason: 'host 127.0.0.31[127.0.0.31] said: 451 4.3.0 <stuck161@relay.pfx.test>: Temporary lookup failure (in reply to RCPT TO command)',
    },
  ],
  [
    'Dec  3 12:48:59 mx1 postfix/smtp[9010]: 71C5F2107D2: to=<nobody21@relay.pfx.test>, relay=127.0.0.31[127.0.0.31]:25, delay=0.14, delays=0.06/0.02/0.05/0.02, dsn=5.1.1, status=bounced (host 127.0.0.31[127.0.0.31] said: 550 5.1.1 <nobody21@relay.pfx.test>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))',
    {
      kind: 'delivery', qid: '71C5F2107D2', agent: 'smtp', to: 'nobody21@relay.pfx.test', relay: mailstore, dsn: '5.1.1', status: 'bounced',
      reason: 'host 127.0.0.31[127.0.0.31] said: 550 5.1.1 <nobody21@relay.pfx.test>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)',
    },
  ],
  // The copy a local forward made (orig_to is the address that forwarded it).
  [
    'Dec  3 12:49:00 mx1 postfix/smtp[9010]: 3EDA321051C: to=<gone4@ext.test>, orig_to=<fwd4@pfx.test>, relay=127.0.0.41[127.0.0.41]:25, delay=0.12, delays=0/0/0.04/0.08, dsn=5.1.1, status=bounced (host 127.0.0.41[127.0.0.41] said: 550 5.1.1 <gone4@ext.test>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))',
    {
      kind: 'delivery', qid: '3EDA321051C', agent: 'smtp', to: 'gone4@ext.test', origTo: 'fwd4@pfx.test', relay: '127.0.0.41[127.0.0.41]:25', dsn: '5.1.1', status: 'bounced',
      reason: 'host 127.0.0.41[127.0.0.41] said: 550 5.1.1 <gone4@ext.test>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)',
    },
  ],
  // reject_unverified_recipient's probe: a verdict about an address, not a delivery.
  [
    'Dec  3 12:48:59 mx1 postfix/smtp[9010]: 3F58D2107C2: to=<nobody92@relay.pfx.test>, relay=127.0.0.31[127.0.0.31]:25, delay=0.11, delays=0.01/0.04/0.05/0.01, dsn=5.1.1, status=undeliverable (host 127.0.0.31[127.0.0.31] said: 550 5.1.1 <nobody92@relay.pfx.test>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))',
    {
      kind: 'probe', qid: '3F58D2107C2', to: 'nobody92@relay.pfx.test', status: 'undeliverable', dsn: '5.1.1',
      reason: 'host 127.0.0.31[127.0.0.31] said: 550 5.1.1 <nobody92@relay.pfx.test>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)',
    },
  ],
]);
