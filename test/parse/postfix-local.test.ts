// The final delivery agents: postfix/local (mailboxes, aliases, .forward), postfix/pipe
// (pipe(8) transports: an LDA, a simple content filter) and postfix/error (a recipient that
// was refused before any delivery was tried).
import { parserTable } from './table.ts';

parserTable('postfix/local', [
  [
    'Dec  3 12:48:59 mx1 postfix/local[9012]: 53F782107DF: to=<alice@pfx.test>, relay=local, delay=0.08, delays=0.05/0.03/0/0, dsn=2.0.0, status=sent (delivered to file: /tmp/bw-e2e-postfix-nNzSBh/mbox/alice)',
    { kind: 'delivery', qid: '53F782107DF', agent: 'local', to: 'alice@pfx.test', relay: 'local', dsn: '2.0.0', status: 'sent', reason: 'delivered to file: /tmp/bw-e2e-postfix-nNzSBh/mbox/alice' },
  ],
  [
    'Dec  3 12:48:59 mx1 postfix/local[9012]: 470302107D2: to=<nobody11@pfx.test>, relay=local, delay=0.13, delays=0.05/0.02/0/0.06, dsn=5.1.1, status=bounced (unknown user: "nobody11")',
    { kind: 'delivery', qid: '470302107D2', agent: 'local', to: 'nobody11@pfx.test', relay: 'local', dsn: '5.1.1', status: 'bounced', reason: 'unknown user: "nobody11"' },
  ],
  // An alias: the bare local part it was sent to is orig_to.
  [
    'Dec  3 12:49:00 mx1 postfix/local[9021]: B3D472107B6: to=<postmaster@mx1.pfx.test>, orig_to=<postmaster>, relay=local, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to file: /tmp/bw-e2e-postfix-nNzSBh/mbox/postmaster)',
    { kind: 'delivery', qid: 'B3D472107B6', agent: 'local', to: 'postmaster@mx1.pfx.test', origTo: 'postmaster', relay: 'local', dsn: '2.0.0', status: 'sent', reason: 'delivered to file: /tmp/bw-e2e-postfix-nNzSBh/mbox/postmaster' },
  ],
  // A .forward made a new queue file 3EDA321051C: a hop.
  [
    'Dec  3 12:49:00 mx1 postfix/local[9012]: 30B6521035D: to=<fwd4@pfx.test>, relay=local, delay=0.06, delays=0.05/0/0/0, dsn=2.0.0, status=sent (forwarded as 3EDA321051C)',
    { kind: 'delivery', qid: '30B6521035D', agent: 'local', to: 'fwd4@pfx.test', relay: 'local', dsn: '2.0.0', status: 'sent', reason: 'forwarded as 3EDA321051C', nextQid: '3EDA321051C', hop: 'forward' },
  ],
]);

parserTable('postfix/pipe', [
  // The LDA's text ends in a space inside the parentheses: it is kept.
  [
    'Dec  3 12:48:59 mx1 postfix/pipe[9034]: 953B521051A: to=<frank@pfx.test>, relay=quota-lda, delay=0.09, delays=0.05/0.02/0/0.02, dsn=5.2.2, status=bounced (Mailbox full: quota exceeded for frank@pfx.test )',
    { kind: 'delivery', qid: '953B521051A', agent: 'pipe', to: 'frank@pfx.test', relay: 'quota-lda', dsn: '5.2.2', status: 'bounced', reason: 'Mailbox full: quota exceeded for frank@pfx.test ' },
  ],
  // Handed to a pipe filter, which re-injects by sendmail (its copy arrives through pickup): no id here.
  [
    'Dec  3 12:49:01 mx1 postfix/pipe[9068]: 53B052107F2: to=<nobody201@pfx.test>, relay=simplefilter, delay=0.17, delays=0.05/0.03/0/0.09, dsn=2.0.0, status=sent (delivered via simplefilter service)',
    { kind: 'delivery', qid: '53B052107F2', agent: 'pipe', to: 'nobody201@pfx.test', relay: 'simplefilter', dsn: '2.0.0', status: 'sent', reason: 'delivered via simplefilter service' },
  ],
]);

parserTable('postfix/error', [
  [
    'Dec  3 12:49:01 mx1 postfix/error[9056]: F0DAE2107E9: to=<ghost134@nxdomain.victims.test>, relay=none, delay=0.02, delays=0/0.02/0/0, dsn=5.4.4, status=bounced (Host or domain name not found. Name service error for name=nxdomain.victims.test type=MX: Host not found)',
    {
      kind: 'delivery', qid: 'F0DAE2107E9', agent: 'error', to: 'ghost134@nxdomain.victims.test', relay: 'none', dsn: '5.4.4', status: 'bounced',
      reason: 'Host or domain name not found. Name service error for name=nxdomain.victims.test type=MX: Host not found',
    },
  ],
]);
