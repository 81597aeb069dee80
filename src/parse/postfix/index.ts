// Postfix body parser: picks the rule set by daemon (the last part of the program name, so
// multi-instance names like postfix-out/smtp and postfix/submission/smtpd work).
import * as d from './daemons.ts';
import type { Result } from './daemons.ts';

const byDaemon: Record<string, (body: string) => Result> = {
  smtpd: d.smtpd,
  postscreen: d.postscreen,
  cleanup: d.cleanup,
  qmgr: d.qmgr,
  nqmgr: d.qmgr,
  pickup: d.pickup,
  bounce: d.bounce,
  defer: d.bounce,
  trace: d.bounce,
  postsuper: d.postsuper,
  smtp: d.deliveryAgent('smtp'),
  lmtp: d.deliveryAgent('lmtp'),
  local: d.deliveryAgent('local'),
  virtual: d.deliveryAgent('virtual'),
  pipe: d.deliveryAgent('pipe'),
  error: d.deliveryAgent('error'),
  discard: d.deliveryAgent('discard'),
  retry: d.deliveryAgent('retry'),
  relay: d.deliveryAgent('relay'),
};

for (const name of [
  'anvil', 'scache', 'master', 'postfix-script', 'tlsmgr', 'tlsproxy', 'verify', 'proxymap', 'trivial-rewrite',
  'postlogd', 'dnsblog', 'showq', 'flush', 'spawn', 'oqmgr', 'sendmail', 'postdrop', 'postqueue', 'postmap',
  'postalias', 'postconf', 'postlog', 'script', 'policy-spf', 'postmulti',
]) {
  byDaemon[name] = d.bookkeeping;
}

/** True when a program name is a Postfix one (`postfix`, `postfix/x`, `postfix-out/x`). */
export function isPostfixProgram(program: string): boolean {
  return program.startsWith('postfix');
}

export function parsePostfixBody(daemon: string, body: string): Result {
  const rule = byDaemon[daemon];
  // A pipe(8) transport may be named after its service (e.g. postfix/dovecot); its lines
  // have the delivery-agent shape.
  const r = rule ? rule(body) : d.deliveryAgent(daemon)(body);
  if (r !== undefined) return r;
  // Some daemons log lines of another's shape (cleanup bounces with to=/status=, old or
  // relabelled logs): accept the unmistakable queue-file lines from any Postfix program.
  return d.anyQueueLine(daemon, body);
}
