// The Postfix traffic mix: what share of units are clean inbound mail, SMTP-time rejects,
// accept-then-bounce by cause, forwards, expiries, submissions, local pickups and noise.
// Shares are per unit (session), not per message or line.
import type { Ctx } from '../context.ts';
import { ORG } from '../hosts.ts';
import { localPart, messageId, missingPart } from '../names.ts';
import { Weighted } from '../random.ts';
import type { Cause } from '../truth.ts';
import type { Kind } from './dest.ts';
import { writeMessage, type MessagePlan, type RcptPlan } from './message.ts';
import { NOISE, noise } from './noise.ts';
import { noqueueSession, queuedReject, remoteClient } from './rejects.ts';
import type { Origin } from './session.ts';

type Scenario =
  | 'inbound_ok' | 'partial_reject' | 'noqueue' | 'queued_reject' | 'inbound_bounce' | 'forward' | 'expire'
  | 'greylist' | 'discard' | 'null_sender' | 'spoofed_local' | 'submission_ok' | 'submission_bounce'
  | 'submission_expire' | 'pickup' | 'noise';

const SCENARIOS = new Weighted<Scenario>([
  ['inbound_ok', 38], ['partial_reject', 2], ['noqueue', 20], ['queued_reject', 1.5], ['inbound_bounce', 6.5],
  ['forward', 2], ['expire', 0.25], ['greylist', 1], ['discard', 0.5], ['null_sender', 1.2], ['spoofed_local', 0.3],
  ['submission_ok', 10], ['submission_bounce', 1], ['submission_expire', 0.2], ['pickup', 3], ['noise', 14],
]);

const INBOUND_CAUSES = new Weighted<Cause>([
  ['unknown_recipient', 35], ['mailbox_full', 15], ['message_too_large', 6], ['content_rejected', 14],
  ['relay_rejected', 5], ['loop', 2], ['other', 3],
]);

const OK_KINDS = new Weighted<Kind>([['mailbox', 60], ['virtual', 10], ['lists', 5], ['relay', 25]]);

const DOMAIN: Record<Kind, string> = {
  mailbox: ORG.mailbox, virtual: ORG.virtual, lists: ORG.lists, relay: ORG.relay, trap: ORG.trap, remote: '', filter: '',
};

function ourAddress(ctx: Ctx, kind: Kind, missing = false): string {
  const lp = missing ? missingPart(ctx.r) : kind === 'lists' ? ctx.r.pick(['announce', 'dev', 'users', 'staff']) : localPart(ctx.r);
  return `${lp}@${DOMAIN[kind]}`;
}

/** Where a failure of this cause happens on an inbound message. */
function kindFor(ctx: Ctx, cause: Cause): Kind {
  const r = ctx.r;
  switch (cause) {
    case 'unknown_recipient':
    case 'mailbox_full':
      return r.pick(['mailbox', 'virtual', 'relay'] as const);
    case 'loop':
      return 'mailbox';
    case 'other':
      return 'lists';
    default:
      return 'relay';
  }
}

/** Recipients that are delivered fine, distinct from those already chosen. */
function okRcpts(ctx: Ctx, n: number, taken: Set<string>): RcptPlan[] {
  const out: RcptPlan[] = [];
  while (out.length < n) {
    const kind = OK_KINDS.pick(ctx.r);
    const address = ourAddress(ctx, kind);
    if (taken.has(address)) continue;
    taken.add(address);
    out.push({ address, kind, fate: { do: 'sent' } });
  }
  return out;
}

function count(ctx: Ctx): number {
  const x = ctx.r.next();
  return x < 0.75 ? 1 : x < 0.93 ? 2 : 3;
}

function inbound(ctx: Ctx, t: number, sender: string, rcpts: RcptPlan[], extra: Partial<MessagePlan> = {}): void {
  const r = ctx.r;
  const origin: Origin = { kind: 'smtp', client: remoteClient(ctx) };
  const filter = r.chance(ctx.host.filterShare) ? 'clean' : 'no';
  writeMessage(ctx, t, {
    origin, sender, messageId: messageId(r, t, origin.client.helo.replace(/^\[|\]$/g, '')), rcpts, refused: [],
    filter, senderIsLocal: false, ...extra,
  });
}

function submission(ctx: Ctx, t: number, rcpts: RcptPlan[]): void {
  const user = `${localPart(ctx.r)}@${ORG.mailbox}`;
  const client = remoteClient(ctx);
  writeMessage(ctx, t, {
    origin: { kind: 'submission', client, user }, sender: user, messageId: messageId(ctx.r, t, ORG.mailbox), rcpts,
    refused: [], filter: 'no', senderIsLocal: true,
  });
}

const remoteRcpt = (ctx: Ctx, fate: RcptPlan['fate']): RcptPlan => ({ address: ctx.world.person(ctx.r), kind: 'remote', fate });

/** Plans and writes one unit starting at `t`. */
export function postfixUnit(ctx: Ctx, t: number): void {
  const r = ctx.r;
  const w = ctx.world;
  const taken = new Set<string>();
  switch (SCENARIOS.pick(r)) {
    case 'inbound_ok':
      return inbound(ctx, t, w.person(r), okRcpts(ctx, count(ctx), taken));
    case 'partial_reject': {
      const refused = Array.from({ length: r.int(1, 3) }, () => ourAddress(ctx, 'mailbox', true));
      return inbound(ctx, t, w.person(r), okRcpts(ctx, count(ctx), taken), { refused });
    }
    case 'noqueue':
      return noqueueSession(ctx, t);
    case 'queued_reject':
      return queuedReject(ctx, t);
    case 'inbound_bounce': {
      const cause = INBOUND_CAUSES.pick(r);
      const sender = r.chance(0.7) ? w.forged(r) : w.person(r);
      // A virus found by the after-queue filter fails the whole message at the filter.
      if (cause === 'content_rejected' && r.chance(0.6)) {
        return inbound(ctx, t, sender, okRcpts(ctx, count(ctx), taken), { filter: 'infected' });
      }
      const kind = kindFor(ctx, cause);
      const bad: RcptPlan = { address: ourAddress(ctx, kind, cause === 'unknown_recipient'), kind, fate: { do: 'bounce', cause } };
      taken.add(bad.address);
      return inbound(ctx, t, sender, r.chance(0.3) ? [...okRcpts(ctx, 1, taken), bad] : [bad]);
    }
    case 'forward': {
      const to = w.person(r);
      const fwd: RcptPlan = { address: ourAddress(ctx, 'mailbox'), kind: 'mailbox', fate: { do: 'forward', to, bounce: r.chance(0.3) } };
      return inbound(ctx, t, r.chance(0.5) ? w.forged(r) : w.person(r), [fwd]);
    }
    case 'expire':
      return inbound(ctx, t, w.person(r), [{ address: ourAddress(ctx, 'relay'), kind: 'relay', fate: { do: 'expire' } }], { filter: 'no' });
    case 'greylist':
      return inbound(ctx, t, w.person(r), [{ address: ourAddress(ctx, 'relay'), kind: 'relay', fate: { do: 'greylist' } }]);
    case 'discard':
      return inbound(ctx, t, w.forged(r), [{ address: `${missingPart(r)}@${ORG.trap}`, kind: 'trap', fate: { do: 'discard' } }], { filter: 'no' });
    case 'null_sender': {
      const bad = r.chance(0.2);
      const rc: RcptPlan = bad
        ? { address: ourAddress(ctx, 'mailbox', true), kind: 'mailbox', fate: { do: 'bounce', cause: 'unknown_recipient' } }
        : { address: ourAddress(ctx, 'mailbox'), kind: 'mailbox', fate: { do: 'sent' } };
      return inbound(ctx, t, '', [rc]);
    }
    case 'spoofed_local':
      return inbound(ctx, t, `${localPart(r)}@${ORG.mailbox}`,
        [{ address: ourAddress(ctx, 'relay', true), kind: 'relay', fate: { do: 'bounce', cause: 'unknown_recipient' } }], { senderIsLocal: true });
    case 'submission_ok':
      return submission(ctx, t, Array.from({ length: count(ctx) }, () => remoteRcpt(ctx, { do: 'sent' })));
    case 'submission_bounce': {
      const cause = r.pick(['unknown_recipient', 'unknown_recipient', 'mailbox_full', 'message_too_large'] as const);
      return submission(ctx, t, [remoteRcpt(ctx, { do: 'bounce', cause })]);
    }
    case 'submission_expire': {
      const address = `${localPart(r)}@${r.pick(w.deadDomains)}`;
      return submission(ctx, t, [{ address, kind: 'remote', fate: { do: 'expire' } }]);
    }
    case 'pickup': {
      const root = r.chance(0.7);
      const login = root ? 'root' : 'www-data';
      const rcpts: RcptPlan[] = root ? [{ address: `admin@${ORG.mailbox}`, kind: 'mailbox', fate: { do: 'sent' } }] : [remoteRcpt(ctx, { do: 'sent' })];
      return writeMessage(ctx, t, {
        origin: { kind: 'pickup', uid: root ? 0 : 33, login }, sender: `${login}@${ctx.host.fqdn}`,
        messageId: messageId(r, t, ctx.host.fqdn), rcpts, refused: [], filter: 'no', senderIsLocal: true,
      });
    }
    case 'noise':
      return noise(ctx, t, NOISE.pick(r));
  }
}
