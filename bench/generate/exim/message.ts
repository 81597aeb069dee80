// One Exim message from `<=` to `Completed`: each recipient's fate, a system-filter
// cancellation, the retry rule's deferrals up to `retry timeout exceeded`, and the NDR
// (`<= <> R=id`) with its own fate. Exim never double-bounces: a failed NDR is frozen.
import type { Ctx } from '../context.ts';
import { messageId } from '../names.ts';
import type { Cause, Fate, TruthRecipient } from '../truth.ts';
import { completed, connectionLines, deferredLine, delivered, ex, failedLine, hostField, type ExKind, type Peer, type Why } from './ex.ts';
import { eximNdr, frozenToEnd } from './ndr.ts';

export type ExFate =
  | { do: 'sent' }
  | { do: 'bounce'; cause: Cause }
  | { do: 'greylist' }
  | { do: 'expire' }
  | { do: 'forward'; to: string; bounce: boolean };

export interface ExRcpt {
  address: string;
  kind: ExKind;
  fate: ExFate;
}

export type ExOrigin = { kind: 'smtp'; peer: Peer } | { kind: 'auth'; peer: Peer; user: string } | { kind: 'local'; user: string };

export interface ExPlan {
  origin: ExOrigin;
  sender: string;
  rcpts: ExRcpt[];
  /** The system filter fails the whole message for its content. */
  cancelled: boolean;
  senderIsLocal: boolean;
}

/** Exim's default retry rule `F,2h,15m; G,16h,1h,1.5; F,4d,6h`: the attempt times. */
function retryTimes(t0: number): number[] {
  const out: number[] = [];
  const H = 3_600_000;
  for (let t = t0 + 15 * 60_000; t < t0 + 2 * H; t += 15 * 60_000) out.push(t);
  for (let t = t0 + 2 * H, step = H; t < t0 + 16 * H; t += step, step *= 1.5) out.push(Math.round(t));
  for (let t = t0 + 16 * H; t < t0 + 96 * H; t += 6 * H) out.push(t);
  return out;
}

function why(ctx: Ctx, x: ExRcpt, cause: Cause): Why {
  const to = x.address;
  switch (cause) {
    case 'unknown_recipient':
      if (x.kind === 'mailbox') return ctx.r.chance(0.7) ? { text: 'Unrouteable address' } : { text: 'No such user here', router: 'system_aliases' };
      if (x.kind === 'remote') return { reply: `550 5.1.1 <${to}>: Recipient address rejected: User unknown in relay recipient table` };
      return { reply: `550 5.1.1 <${to}>: Recipient address rejected: User unknown in virtual mailbox table` };
    case 'mailbox_full':
      return { reply: `552 5.2.2 <${to}>: Recipient address rejected: Mailbox is full (quota exceeded)` };
    case 'message_too_large':
      return { reply: '552 5.3.4 Message size exceeds fixed maximum message size', stage: 'end of data' };
    case 'content_rejected':
      return { reply: '550 5.7.1 Message rejected as spam', stage: 'end of data' };
    case 'relay_rejected':
      return { reply: `550 5.7.1 <${to}>: Relay access denied` };
    case 'loop':
      return { text: 'Too many "Received" headers - suspected mail loop' };
    default:
      return { reply: '554 5.3.0 Transaction failed', stage: 'end of data' };
  }
}

function arrival(ctx: Ctx, t: number, id: string, p: ExPlan): void {
  const r = ctx.r;
  const o = p.origin;
  const size = r.int(1200, 80000);
  const rcpts = p.rcpts.map((x) => x.address).join(' ');
  if (o.kind === 'local') {
    ex(ctx, t, `${id} <= ${p.sender} U=${o.user} P=local S=${size} id=${messageId(r, t, ctx.host.fqdn)} for ${rcpts}`);
    return;
  }
  const auth = o.kind === 'auth' ? ` P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:${o.user}` : ` P=${r.chance(0.6) ? 'esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no' : 'esmtp'}`;
  ex(ctx, t, `${id} <= ${p.sender || '<>'} ${hostField(o.peer)} I=[192.0.2.25]:${o.kind === 'auth' ? 587 : 25}${auth} S=${size} id=${messageId(r, t, o.peer.helo)} for ${rcpts}`);
}

/** Writes the message from `t0` and reports its truth. */
export function writeEximMessage(ctx: Ctx, t0: number, p: ExPlan): void {
  const r = ctx.r;
  const o = p.origin;
  const t1 = t0 + (o.kind === 'local' ? 0 : r.int(200, 4000));
  const id = ctx.host.eximId(t1);
  arrival(ctx, t1, id, p);
  if (o.kind !== 'local') connectionLines(ctx, t0, o.peer, t1 + r.int(1, 80), r.int(1, 12));
  const recipients: TruthRecipient[] = [];
  const failures: number[] = [];
  let doneAt = t1;
  let t = t1 + r.delay(200, 5);
  const add = (address: string, status: TruthRecipient['status'], cause: Cause | null, orig: string | null = null) =>
    recipients.push({ address, orig_address: orig, status, cause });
  if (p.cancelled) {
    ex(ctx, t, `${id} cancelled by system filter: 5.7.1 Message cancelled: infected with ${r.pick(['Eicar-Signature', 'Doc.Downloader.Emotet'])}`);
    for (const x of p.rcpts) add(x.address, 'bounced', 'content_rejected');
    failures.push(t);
  }
  let prevRelay = false;
  for (const x of p.cancelled ? [] : p.rcpts) {
    t += r.delay(150, 2);
    const f = x.fate;
    if (f.do === 'sent') {
      // Several addresses for the store go in one SMTP transaction: the rest are `->`.
      const more = x.kind === 'relay' && prevRelay;
      delivered(ctx, t, id, x.kind, x.address, p.sender, { queuedMs: t - t1, more });
      add(x.address, 'sent', null);
      prevRelay = x.kind === 'relay';
      continue;
    }
    prevRelay = false;
    if (f.do === 'forward') {
      if (f.bounce) {
        failedLine(ctx, t, id, 'remote', f.to, p.sender, { reply: `550 5.7.1 Message rejected as unsolicited`, stage: 'end of data', orig: x.address });
        add(f.to, 'bounced', 'forward_rejected', x.address);
        failures.push(t);
      } else {
        delivered(ctx, t, id, 'remote', f.to, p.sender, { orig: x.address, queuedMs: t - t1 });
        add(f.to, 'sent', null, x.address);
      }
    } else if (f.do === 'bounce' && f.cause === 'mailbox_full' && x.kind === 'mailbox') {
      // A quota rule without retry times: the deferral and the give-up come together.
      ex(ctx, t, `${id} == ${x.address} R=local_user T=local_delivery defer (-22) DT=0.0${r.int(10, 99)}s: mailbox is full (MTA-imposed quota exceeded while writing to /var/mail/${x.address.slice(0, x.address.indexOf('@'))})`);
      ex(ctx, t + r.int(1, 20), `${id} ** ${x.address}: retry timeout exceeded`);
      add(x.address, 'bounced', 'mailbox_full');
      failures.push(t + 20);
    } else if (f.do === 'bounce') {
      failedLine(ctx, t, id, x.kind, x.address, p.sender, why(ctx, x, f.cause));
      add(x.address, 'bounced', f.cause);
      failures.push(t);
    } else if (f.do === 'greylist') {
      deferredLine(ctx, t, id, x.kind, x.address, false);
      const retry = t + r.int(900_000, 1_800_000);
      if (retry > ctx.end) {
        add(x.address, 'deferred', null);
        doneAt = Number.POSITIVE_INFINITY;
      } else {
        delivered(ctx, retry, id, x.kind, x.address, p.sender, { queuedMs: retry - t1 });
        add(x.address, 'sent', null);
        doneAt = Math.max(doneAt, retry);
      }
    } else {
      deferredLine(ctx, t, id, x.kind, x.address, true);
      const times = retryTimes(t);
      for (const at of times) if (at <= ctx.end) deferredLine(ctx, at, id, x.kind, x.address, true);
      const last = times[times.length - 1]! + r.int(1000, 60_000);
      if (last + 120_000 > ctx.end) {
        add(x.address, 'deferred', null);
        doneAt = Number.POSITIVE_INFINITY;
      } else {
        ex(ctx, last, `${id} ** ${x.address}: retry timeout exceeded`);
        add(x.address, 'expired', 'expired');
        failures.push(last);
      }
    }
  }
  let ndr: { queueId: string; fate: Fate } | undefined;
  if (failures.length > 0) {
    const at = Math.max(...failures) + r.int(5, 80);
    if (p.sender === '') {
      // A bounce of a bounce: Exim freezes the message instead, and drops it later.
      ex(ctx, at, `${id} Frozen (delivery error message)`);
      doneAt = Math.max(doneAt, frozenToEnd(ctx, at, id, recipients.find((x) => x.status === 'bounced')?.address ?? ''));
    } else {
      const n = eximNdr(ctx, at, id, p.sender, p.senderIsLocal);
      ndr = { queueId: n.id, fate: n.fate };
      doneAt = Math.max(doneAt, at + 1);
    }
  }
  if (doneAt !== Number.POSITIVE_INFINITY) completed(ctx, Math.max(doneAt, t) + r.int(2, 40), id);
  ctx.truth.message({
    host: ctx.host.name, queueId: id, sender: p.sender, origin: o.kind === 'local' ? 'local' : 'smtp',
    clientIp: o.kind === 'local' ? null : o.peer.ip, authenticated: o.kind === 'auth', recipients, ...(ndr ? { ndr } : {}),
  });
}
