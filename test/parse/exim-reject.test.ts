// Exim SMTP-time refusals: `rejected RCPT` (no message id: no queue file yet), `rejected after
// DATA` and `rejected from <sender> ... message too big` (with the id of the refused message).
import { parserTable } from './table.ts';

parserTable('Exim rejects', [
  [
    '2026-12-03 12:29:18.710 H=(h9-1.bots.test) [127.2.9.1] I=[127.0.0.22]:25 F=<ghost91@shop91.victims.test> rejected RCPT <nobody91@exi.test>: Unrouteable address',
    {
      kind: 'reject', action: 'reject', stage: 'RCPT', by: 'exim', reason: 'Unrouteable address', client: { name: 'unknown', ip: '127.2.9.1' }, helo: 'h9-1.bots.test',
      from: 'ghost91@shop91.victims.test', to: 'nobody91@exi.test',
    },
  ],
  // A recipient callout: the downstream's 550 5.1.1 is inside the text.
  [
    '2026-12-03 12:30:07 H=(h9-2.bots.test) [127.2.9.2] F=<ghost92@shop92.victims.test> rejected RCPT <nobody92@relay.exi.test>: 127.0.0.31 [127.0.0.31] : SMTP error from remote mail server after RCPT TO:<nobody92@relay.exi.test>: 550 5.1.1 <nobody92@relay.exi.test>: Recipient address rejected: User unknown in virtual mailbox table',
    {
      kind: 'reject', action: 'reject', stage: 'RCPT', by: 'exim', client: { name: 'unknown', ip: '127.2.9.2' }, helo: 'h9-2.bots.test',
      from: 'ghost92@shop92.victims.test', to: 'nobody92@relay.exi.test', dsn: '5.1.1',
      reason: '127.0.0.31 [127.0.0.31] : SMTP error from remote mail server after RCPT TO:<nobody92@relay.exi.test>: 550 5.1.1 <nobody92@relay.exi.test>: Recipient address rejected: User unknown in virtual mailbox table',
    },
  ],
  [
    '2026-12-03 12:29:19.964 1xZ5w7-0001ru-2x H=(h9-4.bots.test) [127.2.9.4] I=[127.0.0.22]:25 F=<ghost94@shop94.victims.test> rejected after DATA: 5.7.1 Message content rejected: infected with Eicar-Test-Signature',
    {
      kind: 'reject', qid: '1xZ5w7-0001ru-2x', action: 'reject', stage: 'DATA', by: 'exim', client: { name: 'unknown', ip: '127.2.9.4' }, helo: 'h9-4.bots.test',
      from: 'ghost94@shop94.victims.test', dsn: '5.7.1', reason: '5.7.1 Message content rejected: infected with Eicar-Test-Signature',
    },
  ],
  [
    '2026-12-03 12:29:21.010 1xZ5w9-0001sd-00 rejected from <ghost97@shop97.victims.test> H=(h9-7.bots.test) [127.2.9.7]: message too big: read=39777 max=20480',
    {
      kind: 'reject', qid: '1xZ5w9-0001sd-00', action: 'reject', stage: 'DATA', by: 'exim', reason: 'message too big: read=39777 max=20480',
      from: 'ghost97@shop97.victims.test', client: { name: 'unknown', ip: '127.2.9.7' }, helo: 'h9-7.bots.test',
    },
  ],
]);
