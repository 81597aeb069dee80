// The Exim traffic mix, as for Postfix: clean inbound mail, SMTP-time rejects (`rejected RCPT`,
// `rejected after DATA`), accept-then-bounce by cause, system-filter cancellations, forwards,
// retry time-outs, authenticated submissions, local mail, and connection noise.
import type { Ctx } from '../context.ts';
import { ORG } from '../hosts.ts';
import { clientName, helo, localPart, missingPart, publicIp } from '../names.ts';
import { Weighted } from '../random.ts';
import type { Cause } from '../truth.ts';
import { connectionLines, ex, hostField, other, type ExKind, type Peer } from './ex.ts';
import { writeEximMessage, type ExPlan, type ExRcpt } from './message.ts';

type Scenario =
  | 'inbound_ok' | 'reject_rcpt' | 'reject_data' | 'inbound_bounce' | 'cancelled' | 'forward' | 'expire' | 'greylist'
  | 'null_sender' | 'auth_ok' | 'auth_bounce' | 'local' | 'noise';

const SCENARIOS = new Weighted<Scenario>([
  ['inbound_ok', 40], ['reject_rcpt', 20], ['reject_data', 1.5], ['inbound_bounce', 6], ['cancelled', 1], ['forward', 2],
  ['expire', 0.3], ['greylist', 1], ['null_sender', 1.2], ['auth_ok', 10], ['auth_bounce', 1], ['local', 3], ['noise', 12],
]);
const CAUSES = new Weighted<Cause>([
  ['unknown_recipient', 40], ['mailbox_full', 18], ['message_too_large', 7], ['content_rejected', 5], ['relay_rejected', 5],
  ['loop', 2], ['other', 3],
]);

function peer(ctx: Ctx): Peer {
  const ip = publicIp(ctx.r);
  const name = clientName(ctx.r, ip);
  return { ip, name, helo: helo(ctx.r, name, ip) };
}

function ours(ctx: Ctx, kind: ExKind, missing = false): string {
  return `${missing ? missingPart(ctx.r) : localPart(ctx.r)}@${kind === 'relay' ? ORG.relay : ORG.mailbox}`;
}

function okRcpts(ctx: Ctx, taken: Set<string>): ExRcpt[] {
  const x = ctx.r.next();
  const n = x < 0.75 ? 1 : x < 0.93 ? 2 : 3;
  const out: ExRcpt[] = [];
  while (out.length < n) {
    const kind: ExKind = ctx.r.chance(0.75) ? 'mailbox' : 'relay';
    const address = ours(ctx, kind);
    if (taken.has(address)) continue;
    taken.add(address);
    out.push({ address, kind, fate: { do: 'sent' } });
  }
  return out;
}

function inbound(ctx: Ctx, t: number, sender: string, rcpts: ExRcpt[], extra: Partial<ExPlan> = {}): void {
  writeEximMessage(ctx, t, { origin: { kind: 'smtp', peer: peer(ctx) }, sender, rcpts, cancelled: false, senderIsLocal: false, ...extra });
}

function auth(ctx: Ctx, t: number, rcpts: ExRcpt[]): void {
  const user = `${localPart(ctx.r)}@${ORG.mailbox}`;
  writeEximMessage(ctx, t, { origin: { kind: 'auth', peer: peer(ctx), user }, sender: user, rcpts, cancelled: false, senderIsLocal: true });
}

/** SMTP-time refusals: every recipient refused, so no message id (a dictionary scan, an RBL). */
function rejectRcpt(ctx: Ctx, t: number): void {
  const r = ctx.r;
  const p = peer(ctx);
  const from = ctx.world.forged(r);
  const kind = r.pick(['unknown', 'unknown', 'rbl', 'verify'] as const);
  const n = kind === 'unknown' && r.chance(0.25) ? r.int(2, 8) : 1;
  let at = t + r.int(300, 3000);
  for (let i = 0; i < n; i++, at += r.int(2, 900)) {
    const to = ours(ctx, r.chance(0.8) ? 'mailbox' : 'relay', true);
    const why = kind === 'unknown' ? 'Unrouteable address'
      : kind === 'rbl' ? `JunkMail rejected - ${p.ip} is listed at zen.spamhaus.org: https://www.spamhaus.org/query/ip/${p.ip}`
      : 'Sender verify failed';
    ctx.truth.rejectLine();
    ex(ctx, at, `${hostField(p)} I=[192.0.2.25]:25 F=<${from}> rejected RCPT <${to}>: ${why}`);
  }
  ex(ctx, at, `${hostField(p)} I=[192.0.2.25]:25 incomplete transaction (QUIT) from <${from}>`);
  connectionLines(ctx, t, p, at + 1, r.int(1, 12));
}

/** Refused after the data by the DATA ACL (spam scanner): it had an id, but was never accepted. */
function rejectData(ctx: Ctx, t: number): void {
  const r = ctx.r;
  const p = peer(ctx);
  const from = ctx.world.forged(r);
  const at = t + r.int(500, 5000);
  const id = ctx.host.eximId(at);
  ctx.truth.rejectLine();
  ex(ctx, at, `${id} ${hostField(p)} I=[192.0.2.25]:25 F=<${from}> rejected after DATA: ${r.pick(['Your message scored 15.3 SpamAssassin points. Report follows:', 'This message contains a virus (Eicar-Signature).'])}`);
  connectionLines(ctx, t, p, at + r.int(1, 50), r.int(1, 12));
  ctx.truth.message({ host: ctx.host.name, queueId: id, sender: from, origin: 'smtp', clientIp: p.ip, authenticated: false, recipients: [], rejected: true });
}

function noise(ctx: Ctx, t: number): void {
  const r = ctx.r;
  const p = peer(ctx);
  switch (r.int(0, 5)) {
    case 0:
      ex(ctx, t, `SMTP connection from [${p.ip}]:${r.int(1024, 65535)} I=[192.0.2.25]:25 (TCP/IP connection count = ${r.int(1, 9)})`);
      ex(ctx, t + r.int(100, 30000), `SMTP connection from ${hostField(p).slice(2)} I=[192.0.2.25]:25 lost`);
      return;
    case 1:
      ex(ctx, t, `no host name found for IP address ${p.ip}`);
      return;
    case 2:
      ex(ctx, t, `dovecot_login authenticator failed for ${hostField(p).slice(2)} I=[192.0.2.25]:587: 535 Incorrect authentication data (set_id=${localPart(r)}@${ORG.mailbox})`);
      return;
    case 3: {
      const pid = r.int(1000, 60000);
      ex(ctx, t, `Start queue run: pid=${pid}`);
      ex(ctx, t + r.int(10, 900), `End queue run: pid=${pid}`);
      return;
    }
    case 4:
      // Another program on the same syslog: 'other' (the mainlog has none).
      other(ctx, t, 'dovecot', `imap-login: Login: user=<${localPart(r)}@${ORG.mailbox}>, method=PLAIN, rip=${p.ip}, lip=192.0.2.25, mpid=${r.int(1000, 60000)}, TLS`);
      other(ctx, t + 1, `CRON[${r.int(1000, 60000)}]`, '(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)');
      return;
    default:
      ex(ctx, t, `TLS error on connection from ${hostField(p).slice(2)} I=[192.0.2.25]:25 (SSL_accept): error:0A000126:SSL routines::unexpected eof while reading`);
  }
}

/** Plans and writes one unit starting at `t`. */
export function eximUnit(ctx: Ctx, t: number): void {
  const r = ctx.r;
  const w = ctx.world;
  const taken = new Set<string>();
  switch (SCENARIOS.pick(r)) {
    case 'inbound_ok':
      return inbound(ctx, t, w.person(r), okRcpts(ctx, taken));
    case 'reject_rcpt':
      return rejectRcpt(ctx, t);
    case 'reject_data':
      return rejectData(ctx, t);
    case 'inbound_bounce': {
      const cause = CAUSES.pick(r);
      const kind: ExKind = cause === 'unknown_recipient' || cause === 'mailbox_full' ? r.pick(['mailbox', 'relay'] as const) : cause === 'loop' ? 'mailbox' : 'relay';
      const bad: ExRcpt = { address: ours(ctx, kind, cause === 'unknown_recipient'), kind, fate: { do: 'bounce', cause } };
      taken.add(bad.address);
      return inbound(ctx, t, r.chance(0.7) ? w.forged(r) : w.person(r), r.chance(0.3) ? [...okRcpts(ctx, taken).slice(0, 1), bad] : [bad]);
    }
    case 'cancelled':
      return inbound(ctx, t, w.forged(r), okRcpts(ctx, taken), { cancelled: true });
    case 'forward':
      return inbound(ctx, t, r.chance(0.5) ? w.forged(r) : w.person(r), [{ address: ours(ctx, 'mailbox'), kind: 'mailbox', fate: { do: 'forward', to: w.person(r), bounce: r.chance(0.3) } }]);
    case 'expire':
      return inbound(ctx, t, w.person(r), [{ address: ours(ctx, 'relay'), kind: 'relay', fate: { do: 'expire' } }]);
    case 'greylist':
      return inbound(ctx, t, w.person(r), [{ address: ours(ctx, 'relay'), kind: 'relay', fate: { do: 'greylist' } }]);
    case 'null_sender':
      return inbound(ctx, t, '', [r.chance(0.2)
        ? { address: ours(ctx, 'mailbox', true), kind: 'mailbox', fate: { do: 'bounce', cause: 'unknown_recipient' } }
        : { address: ours(ctx, 'mailbox'), kind: 'mailbox', fate: { do: 'sent' } }]);
    case 'auth_ok':
      return auth(ctx, t, [{ address: w.person(r), kind: 'remote', fate: { do: 'sent' } }]);
    case 'auth_bounce':
      return auth(ctx, t, [{ address: w.person(r), kind: 'remote', fate: { do: 'bounce', cause: r.pick(['unknown_recipient', 'mailbox_full', 'message_too_large'] as const) } }]);
    case 'local':
      return writeEximMessage(ctx, t, {
        origin: { kind: 'local', user: 'root' }, sender: `root@${ctx.host.fqdn}`,
        rcpts: [{ address: `admin@${ORG.mailbox}`, kind: 'mailbox', fate: { do: 'sent' } }], cancelled: false, senderIsLocal: true,
      });
    case 'noise':
      return noise(ctx, t);
  }
}
