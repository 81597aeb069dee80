// One accepted Postfix message from entry to `removed`: the optional amavis hop, each
// recipient's fate (sent, bounced for a cause, greylisted then sent, expired, forwarded,
// discarded), the NDR, and the truth record of what was written.
import type { Ctx } from '../context.ts';
import type { Cause, Fate, TruthRecipient } from '../truth.ts';
import { deferred, failed, sent, type Kind } from './dest.ts';
import { doubleBounce, postfixNdr } from './ndr.ts';
import { delivery, envelope, messageIdLine, otherLine, pf, removed } from './pf.ts';
import { enter, reinject, type Envelope, type Origin } from './session.ts';

export type RcptFate =
  | { do: 'sent' }
  | { do: 'bounce'; cause: Cause }
  | { do: 'greylist' }
  | { do: 'expire' }
  /** An alias to an outside address; `bounce`: the next hop refuses it. */
  | { do: 'forward'; to: string; bounce: boolean }
  | { do: 'discard' };

export interface RcptPlan {
  address: string;
  kind: Kind;
  fate: RcptFate;
}

export interface MessagePlan {
  origin: Origin;
  sender: string;
  messageId: string;
  rcpts: RcptPlan[];
  refused: string[];
  /** Through the after-queue content filter; `infected` makes the filter refuse it. */
  filter: 'no' | 'clean' | 'infected';
  /** The sender is one of ours: an NDR goes to a local mailbox. */
  senderIsLocal: boolean;
}

const FIVE_DAYS = 5 * 86_400_000;
const NEVER = Number.POSITIVE_INFINITY;

/** The state of one message while its lines are written. */
interface Run {
  t0: number;
  /** The queue id deliveries are logged under (the re-injected copy after the filter). */
  qid: string;
  recipients: TruthRecipient[];
  failures: number[];
  /** When the delivery queue id may be removed; NEVER while a recipient is still deferred. */
  doneAt: number;
  ndr?: { queueId: string; fate: Fate };
}

/** Writes the message's lines from `t0` and reports its truth. */
export function writeMessage(ctx: Ctx, t0: number, p: MessagePlan): void {
  const r = ctx.r;
  const env: Envelope = { qid: ctx.host.postfixQid(), sender: p.sender, messageId: p.messageId, recipients: p.rcpts.length, refused: p.refused, size: r.int(1500, 90000) };
  let t = enter(ctx, t0, p.origin, env);
  const run: Run = { t0, qid: env.qid, recipients: [], failures: [], doneAt: t };
  let rcpts = p.rcpts;
  if (p.filter !== 'no') {
    t = throughFilter(ctx, t + r.delay(400, 20), run, p, env);
    if (p.filter === 'infected') rcpts = [];
  }
  for (const x of rcpts) {
    t += r.delay(250, 5);
    t = deliver(ctx, t, run, x, p);
  }
  if (run.failures.length > 0) {
    const at = Math.max(...run.failures) + r.int(2, 60);
    // Postfix never bounces to the null sender: the notice goes to postmaster instead.
    if (p.sender === '') run.doneAt = Math.max(run.doneAt, doubleBounce(ctx, at, run.qid));
    else {
      const n = postfixNdr(ctx, at, run.qid, p.sender, p.senderIsLocal);
      run.ndr = { queueId: n.qid, fate: n.fate };
      run.doneAt = Math.max(run.doneAt, n.at + 1);
    }
  }
  if (run.doneAt !== NEVER) removed(ctx, Math.max(run.doneAt, t) + r.int(1, 20), run.qid);
  const o = p.origin;
  ctx.truth.message({
    host: ctx.host.name, queueId: env.qid, sender: p.sender, origin: o.kind === 'pickup' ? 'local' : 'smtp',
    clientIp: o.kind === 'pickup' ? null : o.client.ip, authenticated: o.kind === 'submission',
    recipients: run.recipients, ...(run.ndr ? { ndr: run.ndr } : {}),
  });
}

/** amavis on 127.0.0.1:10024: refuses an infected message, or re-injects a clean one via 10025. */
function throughFilter(ctx: Ctx, t: number, run: Run, p: MessagePlan, env: Envelope): number {
  const r = ctx.r;
  if (p.filter === 'infected') {
    for (const x of p.rcpts) {
      delivery(ctx, t, run.qid, failed(ctx, 'filter', x.address, 'content_rejected'), t - run.t0);
      run.recipients.push({ address: x.address, orig_address: null, status: 'bounced', cause: 'content_rejected' });
      run.failures.push(t);
    }
    return t;
  }
  const next = ctx.host.postfixQid();
  const back = reinject(ctx, t + r.int(200, 3000), next, env);
  const to = p.rcpts.map((x) => `<${x.address}>`).join(',');
  otherLine(ctx, back, 'amavis',
    `(${r.int(10000, 60000)}-${String(r.int(1, 40)).padStart(2, '0')}) Passed CLEAN {RelayedInbound}, <${p.sender}> -> ${to}, Queue-ID: ${run.qid}, Message-ID: <${p.messageId}>, Hits: ${(r.next() * 4 - 1).toFixed(3)}, size: ${env.size}, queued_as: ${next}, ${r.int(300, 4000)} ms`);
  t = back + 1;
  for (const x of p.rcpts) {
    delivery(ctx, t, run.qid, { ...sent(ctx, 'filter', x.address), text: `250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as ${next}` }, t - run.t0);
  }
  removed(ctx, t + 1, run.qid);
  run.qid = next;
  run.doneAt = t + 2;
  return t + 2;
}

function deliver(ctx: Ctx, t: number, run: Run, x: RcptPlan, p: MessagePlan): number {
  const r = ctx.r;
  const f = x.fate;
  const add = (status: TruthRecipient['status'], cause: Cause | null) =>
    run.recipients.push({ address: x.address, orig_address: null, status, cause });
  switch (f.do) {
    case 'sent':
      delivery(ctx, t, run.qid, sent(ctx, x.kind, x.address), t - run.t0);
      add('sent', null);
      break;
    case 'discard':
      delivery(ctx, t, run.qid, sent(ctx, 'trap', x.address), t - run.t0);
      add('discarded', null);
      break;
    case 'bounce':
      delivery(ctx, t, run.qid, failed(ctx, x.kind, x.address, f.cause), t - run.t0);
      add('bounced', f.cause);
      run.failures.push(t);
      break;
    case 'greylist': {
      delivery(ctx, t, run.qid, deferred(ctx, x.kind, x.address, false), t - run.t0);
      const retry = t + r.int(300_000, 1_500_000);
      if (retry > ctx.end) {
        add('deferred', null);
        run.doneAt = NEVER;
      } else {
        delivery(ctx, retry, run.qid, sent(ctx, x.kind, x.address), retry - run.t0);
        add('sent', null);
        run.doneAt = Math.max(run.doneAt, retry + 1);
      }
      break;
    }
    case 'expire': {
      const at = expire(ctx, t, run, x, p.sender);
      if (at === null) {
        add('deferred', null);
        run.doneAt = NEVER;
      } else {
        add('expired', 'expired');
        run.failures.push(at);
      }
      break;
    }
    case 'forward':
      return forward(ctx, t, run, x, f, p);
  }
  return t;
}

/**
 * Deferrals with Postfix's backoff (300 s doubling to 4000 s) until the 5-day queue lifetime,
 * then qmgr returns it to the sender. Null when the log ends first (still deferred there).
 */
function expire(ctx: Ctx, t: number, run: Run, x: RcptPlan, sender: string): number | null {
  const r = ctx.r;
  const deadline = run.t0 + FIVE_DAYS;
  let backoff = 300_000;
  let at = t;
  for (let first = true; at < deadline && at <= ctx.end; first = false) {
    delivery(ctx, at, run.qid, deferred(ctx, x.kind, x.address, true, !first && r.chance(0.6)), at - run.t0);
    at += backoff + r.int(0, 60_000);
    backoff = Math.min(backoff * 2, 4_000_000);
  }
  const when = Math.max(at, deadline);
  // Room for the NDR's own lines too, so nothing of it falls after the end.
  if (when + 120_000 > ctx.end) return null;
  pf(ctx, when, 'qmgr', `${run.qid}: from=<${sender}>, status=expired, returned to sender`);
  return when;
}

/** local(8) hands an alias on to an outside address as a new queue id. */
function forward(ctx: Ctx, t: number, run: Run, x: RcptPlan, f: Extract<RcptFate, { do: 'forward' }>, p: MessagePlan): number {
  const r = ctx.r;
  const fq = ctx.host.postfixQid();
  messageIdLine(ctx, t, fq, p.messageId);
  delivery(ctx, t + 1, run.qid, { agent: 'local', to: x.address, relay: 'local', dsn: '2.0.0', status: 'sent', text: `forwarded as ${fq}` }, t + 1 - run.t0);
  envelope(ctx, t + 2, fq, p.sender, r.int(2000, 90000), 1);
  const at = t + 2 + r.delay(400, 20);
  let last = at;
  if (f.bounce) {
    delivery(ctx, at, fq, failed(ctx, 'remote', f.to, 'forward_rejected', x.address), at - run.t0);
    run.recipients.push({ address: f.to, orig_address: x.address, status: 'bounced', cause: 'forward_rejected' });
    const n = postfixNdr(ctx, at + r.int(2, 40), fq, p.sender, p.senderIsLocal);
    run.ndr = { queueId: n.qid, fate: n.fate };
    last = n.at;
  } else {
    delivery(ctx, at, fq, sent(ctx, 'remote', f.to, x.address), at - run.t0);
    run.recipients.push({ address: f.to, orig_address: x.address, status: 'sent', cause: null });
  }
  removed(ctx, last + r.int(1, 10), fq);
  return t + 2;
}
