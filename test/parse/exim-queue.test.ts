// Exim lines about a message's queue file: `Completed` (the id is done), system-filter
// cancellation, frozen NDRs and their end (`error ignored`), and the daemon's own lines.
import { parserTable } from './table.ts';

parserTable('Exim queue file lines', [
  ['2026-12-03 12:29:19.484 1xZ5w7-0001rO-0Q Completed', { kind: 'removed', qid: '1xZ5w7-0001rO-0Q' }],
  [
    '2026-12-03 12:29:22.076 1xZ5w9-0001tG-37 cancelled by system filter: 5.7.1 Message cancelled: infected with Eicar-Test-Signature',
    { kind: 'cancelled', qid: '1xZ5w9-0001tG-37', reason: '5.7.1 Message cancelled: infected with Eicar-Test-Signature' },
  ],
  // An NDR that could not be delivered is frozen; at ignore_bounce_errors_after it is dropped.
  ['2026-12-03 12:29:24.908 1xZ5wC-0001uk-2T Frozen (delivery error message)', { kind: 'frozen', qid: '1xZ5wC-0001uk-2T', dropped: false, reason: 'Frozen (delivery error message)' }],
  ['2026-12-03 12:29:34.554 1xZ5wC-0001uk-2T nobody121@exi.test: error ignored', { kind: 'frozen', qid: '1xZ5wC-0001uk-2T', dropped: true, reason: 'nobody121@exi.test: error ignored' }],
  ['2026-12-03 12:29:34.550 1xZ5wC-0001uk-2T Unfrozen by errmsg timer', 'known'],
  ['2026-12-03 12:29:29.031 1xZ5wE-0001vW-1Z Message is frozen', 'known'],
]);

parserTable('Exim daemon and connection lines', [
  ['2026-12-03 12:29:17.972 exim 4.96 daemon started: pid=7132, -q5s, listening for SMTP on [127.0.0.21]:25 [127.0.0.22]:25', 'known'],
  ['2026-12-03 12:29:18.723 Start queue run: pid=7145', 'known'],
  ['2026-12-03 12:29:18.727 End queue run: pid=7145', 'known'],
  ['2026-12-03 12:29:18.672 SMTP connection from [127.2.16.1] I=[127.0.0.21]:25 (TCP/IP connection count = 1)', 'known'],
  ['2026-12-03 12:29:18.715 H=(h9-1.bots.test) [127.2.9.1] I=[127.0.0.22]:25 incomplete transaction (QUIT) from <ghost91@shop91.victims.test>', 'known'],
]);
