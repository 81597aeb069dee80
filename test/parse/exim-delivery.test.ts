// Exim `=>` (delivered), `**` (failed) and `==` (deferred): the recipient, the transport that
// tried it (or the router that refused it), the remote host, and the reply or error text.
// A local delivery logs the local part, then the address in angle brackets.
import { parserTable } from './table.ts';

const mailstore = '127.0.0.31 [127.0.0.31]';

parserTable('Exim => (delivered)', [
  [
    '2026-12-03 12:29:19.626 1xZ5w7-0001rc-1P => ghost11@shop11.victims.test F=<> R=internet T=remote_smtp S=1821 H=127.0.0.41 [127.0.0.41] I=[127.0.0.1] C="250 2.0.0 Ok: queued as MX00001" QT=0.185s DT=0.060s',
    { kind: 'delivery', qid: '1xZ5w7-0001rc-1P', agent: 'remote_smtp', to: 'ghost11@shop11.victims.test', relay: '127.0.0.41 [127.0.0.41]', dsn: '2.0.0', status: 'sent', reason: '250 2.0.0 Ok: queued as MX00001' },
  ],
  ['2026-12-03 12:29:19.594 1xZ5w7-0001rd-1L => alice <alice@exi.test> F=<ghost12@shop12.victims.test> R=local_user T=local_delivery S=673 QT=0.119s DT=0.021s', { kind: 'delivery', qid: '1xZ5w7-0001rd-1L', agent: 'local', to: 'alice@exi.test', status: 'sent', reason: '' }],
  // The default log_selector.
  [
    '2026-12-03 12:30:07 1xZ5wt-00027q-0K => ghost11@shop11.victims.test R=internet T=remote_smtp H=127.0.0.41 [127.0.0.41] C="250 2.0.0 Ok: queued as MX00001"',
    { kind: 'delivery', qid: '1xZ5wt-00027q-0K', agent: 'remote_smtp', to: 'ghost11@shop11.victims.test', relay: '127.0.0.41 [127.0.0.41]', dsn: '2.0.0', status: 'sent', reason: '250 2.0.0 Ok: queued as MX00001' },
  ],
  ['2026-12-03 12:30:07 1xZ5wt-00027t-0f => alice <alice@exi.test> R=local_user T=local_delivery', { kind: 'delivery', qid: '1xZ5wt-00027t-0f', agent: 'local', to: 'alice@exi.test', status: 'sent', reason: '' }],
]);

parserTable('Exim ** (failed)', [
  // Refused while routing: no router or transport named; the DT= after the text is not part of it.
  ['2026-12-03 12:29:19.370 1xZ5w7-0001rO-0Q ** nobody11@exi.test F=<ghost11@shop11.victims.test>: Unrouteable address DT=0.000s', { kind: 'delivery', qid: '1xZ5w7-0001rO-0Q', agent: 'exim', to: 'nobody11@exi.test', status: 'bounced', reason: 'Unrouteable address' }],
  // The aliases router failed it (`:fail:`): the router is the agent.
  ['2026-12-03 12:29:19.930 1xZ5w7-0001rt-2S ** former13@exi.test F=<ghost13@shop13.victims.test> R=system_aliases: No such user here DT=0.000s', { kind: 'delivery', qid: '1xZ5w7-0001rt-2S', agent: 'system_aliases', to: 'former13@exi.test', status: 'bounced', reason: 'No such user here' }],
  ['2026-12-03 12:30:07 1xZ5ws-00027k-2x ** nobody11@exi.test: Unrouteable address', { kind: 'delivery', qid: '1xZ5ws-00027k-2x', agent: 'exim', to: 'nobody11@exi.test', status: 'bounced', reason: 'Unrouteable address' }],
]);

parserTable('Exim == (deferred)', [
  [
    '2026-12-03 12:29:18.907 1xZ5w6-0001rG-2I == stuck161@relay.exi.test R=relay_to_mailstore T=remote_smtp defer (-44) H=127.0.0.31 [127.0.0.31] I=[127.0.0.1] DT=0.000s: SMTP error from remote mail server after RCPT TO:<stuck161@relay.exi.test>: 451 4.3.0 <stuck161@relay.exi.test>: Temporary lookup failure',
    {
      kind: 'delivery', qid: '1xZ5w6-0001rG-2I', agent: 'remote_smtp', to: 'stuck161@relay.exi.test', relay: mailstore, dsn: '4.3.0', status: 'deferred',
      reason: 'SMTP error from remote mail server after RCPT TO:<stuck161@relay.exi.test>: 451 4.3.0 <stuck161@relay.exi.test>: Temporary lookup failure',
    },
  ],
  // The appendfile transport's quota: a local transport, but the line names no `<address>`.
  [
    '2026-12-03 12:29:20.874 1xZ5w8-0001sV-2P == frank@exi.test R=local_user T=local_delivery defer (-22) DT=0.013s: mailbox is full (MTA-imposed quota exceeded while writing to /tmp/bw-e2e-exim-vM21WD/mail/frank)',
    { kind: 'delivery', qid: '1xZ5w8-0001sV-2P', agent: 'local_delivery', to: 'frank@exi.test', status: 'deferred', reason: 'mailbox is full (MTA-imposed quota exceeded while writing to /tmp/bw-e2e-exim-vM21WD/mail/frank)' },
  ],
]);
