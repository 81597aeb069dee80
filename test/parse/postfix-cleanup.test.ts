// postfix/cleanup: the Message-ID of each queue file, and header/body check verdicts (which
// name the queue id of the message they refused).
import { parserTable } from './table.ts';

parserTable('postfix/cleanup', [
  ['Dec  3 12:49:00 mx1 postfix/cleanup[9005]: 61E4221035D: message-id=<bw-e2e-normal-1@harness.test>', { kind: 'message_id', qid: '61E4221035D', messageId: 'bw-e2e-normal-1@harness.test' }],
  // The Message-ID Postfix makes for its own NDRs (queue id and host in it).
  ['Dec  3 12:48:59 mx1 postfix/cleanup[9009]: 3F58D2107C2: message-id=<20261203124859.3F58D2107C2@mx1.pfx.test>', { kind: 'message_id', qid: '3F58D2107C2', messageId: '20261203124859.3F58D2107C2@mx1.pfx.test' }],
  // body_checks REJECT: the text after the envelope is the reply; its enhanced status code is 5.7.1.
  [
    'Dec  3 12:49:02 mx1 postfix/cleanup[9060]: 60C4E2102FE: reject: body BW-EICAR-LIKE-TEST-SIGNATURE-7f3a from unknown[127.1.9.4]; from=<ghost94@shop94.victims.test> to=<carol@relay.pfx.test> proto=ESMTP helo=<h9-4.bots.test>: 5.7.1 Virus found: Eicar-Test-Signature',
    {
      kind: 'reject', qid: '60C4E2102FE', action: 'reject', stage: 'BODY', by: 'cleanup', client: { name: 'unknown', ip: '127.1.9.4' }, dsn: '5.7.1',
      reason: '5.7.1 Virus found: Eicar-Test-Signature', from: 'ghost94@shop94.victims.test', to: 'carol@relay.pfx.test', helo: 'h9-4.bots.test',
    },
    'parseReply reads an enhanced status code only after a 3-digit reply code, so this reject has no dsn',
  ],
]);
