// Exim `<=` (arrival): sender, protocol, size, client and HELO, Message-ID, subject (T=, with
// log_selector +subject), recipients (+received_recipients); an NDR's `R=` names its original.
// Lines from the harness's mainlog with the wide log_selector and with Exim's default one.
import { parserTable } from './table.ts';

parserTable('Exim <= (arrival)', [
  [
    '2026-12-03 12:29:18.771 1xZ5w6-0001rG-2I <= ghost161@shop161.victims.test H=(h16-1.bots.test) [127.2.16.1] I=[127.0.0.21]:25 P=esmtp S=507 id=bw-exim-expired-1@harness.test T="bouncewatch e2e expired" for stuck161@relay.exi.test',
    {
      kind: 'arrival', qid: '1xZ5w6-0001rG-2I', sender: 'ghost161@shop161.victims.test', proto: 'esmtp', size: 507, client: { name: 'unknown', ip: '127.2.16.1' },
      helo: 'h16-1.bots.test', messageId: 'bw-exim-expired-1@harness.test', subject: 'bouncewatch e2e expired', recipients: ['stuck161@relay.exi.test'],
    },
  ],
  [
    '2026-12-03 12:29:19.528 1xZ5w7-0001rd-1L <= ghost12@shop12.victims.test H=(h1-2.bots.test) [127.2.1.2] I=[127.0.0.21]:25 P=esmtp S=496 id=bw-exim-unknown-local-2@harness.test T="bouncewatch e2e unknown-local" for alice@exi.test nobody12@exi.test',
    {
      kind: 'arrival', qid: '1xZ5w7-0001rd-1L', sender: 'ghost12@shop12.victims.test', proto: 'esmtp', size: 496, client: { name: 'unknown', ip: '127.2.1.2' },
      helo: 'h1-2.bots.test', messageId: 'bw-exim-unknown-local-2@harness.test', subject: 'bouncewatch e2e unknown-local', recipients: ['alice@exi.test', 'nobody12@exi.test'],
    },
  ],
  // Exim's own NDR of 1xZ5w7-0001rO-0Q, submitted locally by the Exim user.
  [
    '2026-12-03 12:29:19.440 1xZ5w7-0001rc-1P <= <> R=1xZ5w7-0001rO-0Q U=Debian-exim P=local S=1762 T="Mail delivery failed: returning message to sender" for ghost11@shop11.victims.test',
    {
      kind: 'arrival', qid: '1xZ5w7-0001rc-1P', sender: '', proto: 'local', size: 1762, localUser: 'Debian-exim', ndrOf: '1xZ5w7-0001rO-0Q',
      subject: 'Mail delivery failed: returning message to sender', recipients: ['ghost11@shop11.victims.test'],
    },
  ],
  // A null sender from outside is not an NDR of ours: no R=.
  [
    '2026-12-03 12:29:24.849 1xZ5wC-0001uk-2T <= <> H=(h12-1.bots.test) [127.2.12.1] I=[127.0.0.21]:25 P=esmtp S=441 id=bw-exim-null-sender-1@harness.test T="bouncewatch e2e null-sender" for nobody121@exi.test',
    {
      kind: 'arrival', qid: '1xZ5wC-0001uk-2T', sender: '', proto: 'esmtp', size: 441, client: { name: 'unknown', ip: '127.2.12.1' }, helo: 'h12-1.bots.test',
      messageId: 'bw-exim-null-sender-1@harness.test', subject: 'bouncewatch e2e null-sender', recipients: ['nobody121@exi.test'],
    },
  ],
  // The default log_selector: no subject, no recipients, no milliseconds.
  [
    '2026-12-03 12:30:06 1xZ5ws-00027k-2x <= ghost11@shop11.victims.test H=(h1-1.bots.test) [127.2.1.1] P=esmtp S=501 id=bw-exim-unknown-local-1@harness.test',
    { kind: 'arrival', qid: '1xZ5ws-00027k-2x', sender: 'ghost11@shop11.victims.test', proto: 'esmtp', size: 501, client: { name: 'unknown', ip: '127.2.1.1' }, helo: 'h1-1.bots.test', messageId: 'bw-exim-unknown-local-1@harness.test' },
  ],
  ['2026-12-03 12:30:07 1xZ5wt-00027q-0K <= <> R=1xZ5ws-00027k-2x U=Debian-exim P=local S=1762', { kind: 'arrival', qid: '1xZ5wt-00027q-0K', sender: '', proto: 'local', size: 1762, localUser: 'Debian-exim', ndrOf: '1xZ5ws-00027k-2x' }],
]);
