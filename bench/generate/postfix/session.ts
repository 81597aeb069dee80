// How a message enters Postfix: an SMTP session on port 25 (behind postscreen), an
// authenticated submission session (port 587, sasl_username), or a local pickup. Writes the
// lines up to and including qmgr's `from=`; the caller writes the deliveries.
import type { Ctx } from '../context.ts';
import { connect, disconnect, envelope, messageIdLine, pf, postscreenPass, type Client } from './pf.ts';

export type Origin =
  | { kind: 'smtp'; client: Client }
  | { kind: 'submission'; client: Client; user: string }
  | { kind: 'pickup'; uid: number; login: string };

export interface Envelope {
  qid: string;
  sender: string;
  messageId: string;
  recipients: number;
  /** Recipients refused at RCPT time in the same session (queued rejects, counted as such). */
  refused: string[];
  size: number;
}

/** Writes the session up to qmgr's `from=`, and returns the time of its last line. */
export function enter(ctx: Ctx, t: number, origin: Origin, env: Envelope): number {
  const r = ctx.r;
  if (origin.kind === 'pickup') {
    pf(ctx, t, 'pickup', `${env.qid}: uid=${origin.uid} from=<${origin.login}>`);
    t += r.int(1, 5);
    messageIdLine(ctx, t, env.qid, env.messageId);
    t += r.int(1, 20);
    envelope(ctx, t, env.qid, env.sender, env.size, env.recipients);
    return t;
  }
  const c = origin.client;
  const service = origin.kind === 'submission' ? 'postfix/submission' : 'postfix';
  if (origin.kind === 'smtp') t = postscreenPass(ctx, t, c);
  connect(ctx, t, c, service);
  t += r.int(50, 1500);
  const sasl = origin.kind === 'submission' ? `, sasl_method=${r.chance(0.7) ? 'PLAIN' : 'LOGIN'}, sasl_username=${origin.user}` : '';
  pf(ctx, t, 'smtpd', `${env.qid}: client=${c.name}[${c.ip}]${sasl}`, service);
  for (const to of env.refused) {
    t += r.int(20, 300);
    ctx.truth.rejectLine();
    pf(ctx, t, 'smtpd',
      `${env.qid}: reject: RCPT from ${c.name}[${c.ip}]: 550 5.1.1 <${to}>: Recipient address rejected: User unknown in local recipient table; from=<${env.sender}> to=<${to}> proto=ESMTP helo=<${c.helo}>`,
      service);
  }
  t += r.int(100, 3000);
  messageIdLine(ctx, t, env.qid, env.messageId);
  t += r.int(1, 30);
  envelope(ctx, t, env.qid, env.sender, env.size, env.recipients);
  disconnect(ctx, t + r.int(1, 40), c, env.recipients, env.recipients + env.refused.length, true, service);
  return t;
}

/** The amavis re-injection on 127.0.0.1:10025: a second queue id for the same message. */
export function reinject(ctx: Ctx, t: number, qid: string, env: Envelope): number {
  const r = ctx.r;
  const local: Client = { name: 'localhost', ip: '127.0.0.1', helo: 'localhost', port: 0 };
  connect(ctx, t, local);
  t += r.int(1, 5);
  pf(ctx, t, 'smtpd', `${qid}: client=localhost[127.0.0.1]`);
  t += r.int(1, 10);
  messageIdLine(ctx, t, qid, env.messageId);
  t += r.int(1, 5);
  envelope(ctx, t, qid, env.sender, env.size + r.int(300, 900), env.recipients);
  disconnect(ctx, t + 1, local, env.recipients, env.recipients, true);
  return t + 2;
}
