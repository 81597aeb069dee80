// The bounce daemon's NDR for a failed message, and what becomes of it: delivered, refused by
// the (often forged) sender's server, undeliverable, or still deferred; a failed NDR may get a
// double bounce to postmaster. The NDR's queue id shows up in cleanup before the bounce line.
import { foreignId, type Ctx } from '../context.ts';
import type { Fate } from '../truth.ts';
import { Weighted } from '../random.ts';
import { delivery, envelope, messageIdLine, pf, removed, type Attempt } from './pf.ts';
import { sent } from './dest.ts';

const REMOTE_FATES = new Weighted<'delivered' | 'rejected' | 'undeliverable' | 'greylisted'>([
  ['delivered', 55], ['rejected', 25], ['undeliverable', 12], ['greylisted', 8],
]);

function stampId(t: number): string {
  return new Date(t).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

export interface NdrResult {
  qid: string;
  fate: Fate;
  /** When the bounce line was written: the original is removed after it. */
  at: number;
}

/**
 * Writes the NDR for `origQid` to `sender` from time `t`. A sender in our domains gets it in
 * a local mailbox; anyone else through the Internet.
 */
export function postfixNdr(ctx: Ctx, t: number, origQid: string, sender: string, local: boolean): NdrResult {
  const r = ctx.r;
  const qid = ctx.host.postfixQid();
  messageIdLine(ctx, t, qid, `${stampId(t)}.${qid}@${ctx.host.fqdn}`);
  pf(ctx, t + 1, 'bounce', `${origQid}: sender non-delivery notification: ${qid}`);
  envelope(ctx, t + 2, qid, '', r.int(2200, 9000), 1);
  let at = t + r.delay(300, 20);
  if (local) {
    delivery(ctx, at, qid, sent(ctx, 'mailbox', sender), at - t);
    removed(ctx, at + 1, qid);
    return { qid, fate: 'delivered', at: t + 1 };
  }
  const domain = sender.slice(sender.indexOf('@') + 1);
  const mx = `mx${r.int(1, 2)}.${domain}[${r.int(11, 199)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}]`;
  const attempt = (status: Attempt['status'], dsn: string, text: string, relay = `${mx}:25`): Attempt => ({ agent: 'smtp', to: sender, relay, dsn, status, text });
  let fate: Fate;
  switch (REMOTE_FATES.pick(r)) {
    case 'delivered':
      delivery(ctx, at, qid, attempt('sent', '2.0.0', `250 2.0.0 Ok: queued as ${foreignId(ctx)}`), at - t);
      fate = 'delivered';
      break;
    case 'rejected':
      delivery(ctx, at, qid, attempt('bounced', '5.1.1', `host ${mx} said: 550 5.1.1 <${sender}>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)`), at - t);
      fate = 'rejected';
      if (r.chance(0.5)) at = doubleBounce(ctx, at + 1, qid);
      break;
    case 'undeliverable':
      delivery(ctx, at, qid, attempt('bounced', '5.4.4', `Host or domain name not found. Name service error for name=${domain} type=A: Host not found`, 'none'), at - t);
      fate = 'undeliverable';
      if (r.chance(0.5)) at = doubleBounce(ctx, at + 1, qid);
      break;
    case 'greylisted': {
      delivery(ctx, at, qid, attempt('deferred', '4.7.1', `host ${mx} said: 450 4.7.1 <${sender}>: Recipient address rejected: Greylisted, try again later (in reply to RCPT TO command)`), at - t);
      const retry = at + r.int(300_000, 1_800_000);
      // The retry would fall after the log ends: the NDR is still deferred there.
      if (retry > ctx.end) return { qid, fate: 'deferred', at: t + 1 };
      at = retry;
      delivery(ctx, at, qid, attempt('sent', '2.0.0', `250 2.0.0 Ok: queued as ${foreignId(ctx)}`), at - t);
      fate = 'delivered';
      break;
    }
  }
  removed(ctx, at + r.int(1, 5), qid);
  return { qid, fate, at: t + 1 };
}

/**
 * A postmaster notification about a failed NDR (or about any failed mail from the null
 * sender: Postfix never bounces to <>), delivered to the local postmaster.
 */
export function doubleBounce(ctx: Ctx, t: number, ndrQid: string): number {
  const qid = ctx.host.postfixQid();
  const r = ctx.r;
  messageIdLine(ctx, t, qid, `${stampId(t)}.${qid}@${ctx.host.fqdn}`);
  pf(ctx, t + 1, 'bounce', `${ndrQid}: postmaster non-delivery notification: ${qid}`);
  envelope(ctx, t + 2, qid, `double-bounce@${ctx.host.fqdn}`, r.int(2500, 9000), 1);
  const at = t + r.delay(40, 5);
  delivery(ctx, at, qid, { agent: 'local', to: `postmaster@${ctx.host.fqdn}`, origTo: 'postmaster', relay: 'local', dsn: '2.0.0', status: 'sent', text: 'delivered to mailbox' }, at - t);
  removed(ctx, at + 1, qid);
  return at + 2;
}
