// postfix/smtpd (and the smtpd behind a content filter, postfix/amavis/smtpd): connections,
// the queue id of a session (`client=`, with XFORWARD's orig_queue_id and orig_client), RCPT
// rejects with and without a queue id, and the before-queue proxy filter's verdicts.
import { parserTable } from './table.ts';

const victim91 = { name: 'unknown', ip: '127.1.9.1' };

parserTable('postfix/smtpd', [
  ['Dec  3 12:48:59 mx1 postfix/smtpd[9000]: connect from unknown[127.1.16.1]', 'known'],
  ['Dec  3 12:48:59 mx1 postfix/smtpd[9001]: disconnect from unknown[127.1.9.1] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4', 'known'],
  ['Dec  3 12:48:59 mx1 postfix/smtpd[9000]: 388F52107B4: client=unknown[127.1.16.1]', { kind: 'client', qid: '388F52107B4', client: { name: 'unknown', ip: '127.1.16.1' } }],
  // Gone before a queue file: no queue id, nothing to correlate.
  ['Dec  3 12:49:01 mx1 postfix/smtpd[9077]: NOQUEUE: client=unknown[127.1.21.1]', 'known'],
  [
    'Dec  3 12:48:59 mx1 postfix/smtpd[9001]: NOQUEUE: reject: RCPT from unknown[127.1.9.1]: 550 5.1.1 <nobody91@pfx.test>: Recipient address rejected: User unknown in local recipient table; from=<ghost91@shop91.victims.test> to=<nobody91@pfx.test> proto=ESMTP helo=<h9-1.bots.test>',
    {
      kind: 'reject', action: 'reject', stage: 'RCPT', by: 'smtpd', client: victim91, code: '550', dsn: '5.1.1',
      reason: '550 5.1.1 <nobody91@pfx.test>: Recipient address rejected: User unknown in local recipient table',
      from: 'ghost91@shop91.victims.test', to: 'nobody91@pfx.test', helo: 'h9-1.bots.test',
    },
  ],
  // reject_unverified_recipient: the reply code is ours (550 5.1.1); the downstream's 552 5.2.2 is inside the text.
  [
    'Dec  3 12:49:03 mx1 postfix/smtpd[9006]: NOQUEUE: reject: RCPT from unknown[127.1.9.5]: 550 5.1.1 <full95@relay.pfx.test>: Recipient address rejected: undeliverable address: host 127.0.0.31[127.0.0.31] said: 552 5.2.2 <full95@relay.pfx.test>: Recipient address rejected: Mailbox is full (quota exceeded) (in reply to RCPT TO command); from=<ghost95@shop95.victims.test> to=<full95@relay.pfx.test> proto=ESMTP helo=<h9-5.bots.test>',
    {
      kind: 'reject', action: 'reject', stage: 'RCPT', by: 'smtpd', client: { name: 'unknown', ip: '127.1.9.5' }, code: '550', dsn: '5.1.1',
      reason: '550 5.1.1 <full95@relay.pfx.test>: Recipient address rejected: undeliverable address: host 127.0.0.31[127.0.0.31] said: 552 5.2.2 <full95@relay.pfx.test>: Recipient address rejected: Mailbox is full (quota exceeded) (in reply to RCPT TO command)',
      from: 'ghost95@shop95.victims.test', to: 'full95@relay.pfx.test', helo: 'h9-5.bots.test',
    },
  ],
  // A second RCPT of a transaction that already has a queue file: the reject carries its id.
  [
    'Dec  3 12:49:01 mx1 postfix/smtpd[9006]: 519E32107F0: reject: RCPT from unknown[127.1.9.3]: 550 5.1.1 <nobody93@pfx.test>: Recipient address rejected: User unknown in local recipient table; from=<ghost93@shop93.victims.test> to=<nobody93@pfx.test> proto=ESMTP helo=<h9-3.bots.test>',
    {
      kind: 'reject', qid: '519E32107F0', action: 'reject', stage: 'RCPT', by: 'smtpd', client: { name: 'unknown', ip: '127.1.9.3' }, code: '550', dsn: '5.1.1',
      reason: '550 5.1.1 <nobody93@pfx.test>: Recipient address rejected: User unknown in local recipient table',
      from: 'ghost93@shop93.victims.test', to: 'nobody93@pfx.test', helo: 'h9-3.bots.test',
    },
  ],
]);

parserTable('postfix/smtpd behind a content filter (amavis, XFORWARD)', [
  ['Dec  3 12:49:00 mx1 postfix/amavis/smtpd[9043]: disconnect from unknown[127.0.0.1] ehlo=1 xforward=2 mail=1 rcpt=1 data=1 quit=1 commands=7', 'known'],
  // The filter re-injected 17AEB2102FE as 3E6A42104DC: a hop, and the client the mail first came from.
  [
    'Dec  3 12:49:00 mx1 postfix/amavis/smtpd[9043]: 3E6A42104DC: client=unknown[127.0.0.1], orig_queue_id=17AEB2102FE, orig_client=unknown[127.1.6.2]',
    { kind: 'client', qid: '3E6A42104DC', client: { name: 'unknown', ip: '127.0.0.1' }, origQid: '17AEB2102FE', origClient: { name: 'unknown', ip: '127.1.6.2' } },
  ],
  // An NDR the filter passed on has no XFORWARD origin.
  ['Dec  3 12:49:02 mx1 postfix/amavis/smtpd[9043]: 288D22102FE: client=unknown[127.0.0.1]', { kind: 'client', qid: '288D22102FE', client: { name: 'unknown', ip: '127.0.0.1' } }],
]);

parserTable('postfix/smtpd with a before-queue proxy filter (smtpd_proxy_filter)', [
  ['Dec  3 12:49:01 mx1 postfix/smtpd[9077]: proxy-accept: END-OF-MESSAGE: 250 2.0.0 Ok: queued as BB53A2107BA; from=<ghost212@shop212.victims.test> to=<nobody212@pfx.test> proto=ESMTP helo=<h21-2.bots.test>', 'known'],
  [
    'Dec  3 12:49:01 mx1 postfix/smtpd[9077]: proxy-reject: END-OF-MESSAGE: 554 5.7.1 Rejected by bw-e2e proxy filter: spam signature found; from=<ghost211@shop211.victims.test> to=<carol@relay.pfx.test> proto=ESMTP helo=<h21-1.bots.test>',
    {
      kind: 'reject', action: 'reject', stage: 'END-OF-MESSAGE', by: 'smtpd', code: '554', dsn: '5.7.1',
      reason: '554 5.7.1 Rejected by bw-e2e proxy filter: spam signature found',
      from: 'ghost211@shop211.victims.test', to: 'carol@relay.pfx.test', helo: 'h21-1.bots.test',
    },
  ],
]);
