// Where a recipient goes (our mailboxes, virtual, a pipe, the internal store, the Internet,
// a trap) and what each delivery agent logs for success and for each failure cause. Reply
// texts follow real servers' shapes (Dovecot, Postfix, Gmail-like), short and invented.
import { foreignId, type Ctx } from '../context.ts';
import { ORG } from '../hosts.ts';
import type { Cause } from '../truth.ts';
import type { Attempt } from './pf.ts';

export type Kind = 'mailbox' | 'virtual' | 'lists' | 'relay' | 'remote' | 'trap' | 'filter';

export const STORE = `store.${ORG.relay}[10.20.0.5]:25`;
const STORE_HOST = `store.${ORG.relay}[10.20.0.5]`;
export const FILTER = '127.0.0.1[127.0.0.1]:10024';

function mxOf(ctx: Ctx, address: string): { relay: string; host: string } {
  const domain = address.slice(address.indexOf('@') + 1);
  const ip = `${ctx.r.int(11, 199)}.${ctx.r.int(0, 255)}.${ctx.r.int(0, 255)}.${ctx.r.int(1, 254)}`;
  const host = `mx${ctx.r.int(1, 3)}.${domain}[${ip}]`;
  return { relay: `${host}:25`, host };
}

function lmtpRelay(ctx: Ctx): string {
  return `${ctx.host.fqdn}[private/dovecot-lmtp]`;
}

/** Which agent and relay a recipient of this kind is delivered by on this host. */
function route(ctx: Ctx, kind: Kind, to: string): { agent: string; relay: string; said: string } {
  switch (kind) {
    case 'mailbox':
      return ctx.host.mailboxAgent === 'lmtp'
        ? { agent: 'lmtp', relay: lmtpRelay(ctx), said: `host ${lmtpRelay(ctx)} said:` }
        : { agent: 'local', relay: 'local', said: '' };
    case 'virtual':
      return { agent: 'virtual', relay: 'virtual', said: '' };
    case 'lists':
      return { agent: 'pipe', relay: 'mailman', said: '' };
    case 'relay':
      return { agent: 'smtp', relay: STORE, said: `host ${STORE_HOST} said:` };
    case 'trap':
      return { agent: 'discard', relay: 'none', said: '' };
    case 'filter':
      return { agent: 'smtp', relay: FILTER, said: 'host 127.0.0.1[127.0.0.1] said:' };
    case 'remote': {
      const mx = mxOf(ctx, to);
      return { agent: 'smtp', relay: mx.relay, said: `host ${mx.host} said:` };
    }
  }
}

export function sent(ctx: Ctx, kind: Kind, to: string, origTo?: string): Attempt {
  const r = ctx.r;
  const { agent, relay } = route(ctx, kind, to);
  let text: string;
  if (agent === 'lmtp') text = `250 2.0.0 <${to}> ${foreignId(ctx).toLowerCase()} Saved`;
  else if (agent === 'local') text = r.chance(0.7) ? 'delivered to mailbox' : 'delivered to command: /usr/bin/procmail';
  else if (agent === 'virtual') text = 'delivered to maildir';
  else if (agent === 'pipe') text = 'delivered via mailman service';
  else if (agent === 'discard') text = 'spam trap';
  else if (kind === 'remote' && r.chance(0.4)) text = `250 2.0.0 OK  ${r.int(1700000000, 1799999999)} ${foreignId(ctx).toLowerCase()}.${r.int(10, 99)} - gsmtp`;
  else text = `250 2.0.0 Ok: queued as ${foreignId(ctx)}`;
  return { agent, to, ...(origTo ? { origTo } : {}), relay, dsn: '2.0.0', status: 'sent', text };
}

/** A permanent failure of `cause` for a recipient of this kind (kinds are chosen to fit). */
export function failed(ctx: Ctx, kind: Kind, to: string, cause: Cause, origTo?: string): Attempt {
  const { agent, relay, said } = route(ctx, kind, to);
  const lp = to.slice(0, to.indexOf('@'));
  const base = { agent, to, ...(origTo ? { origTo } : {}), relay, status: 'bounced' as const };
  const reply = (code: string, dsn: string, msg: string, stage: 'RCPT TO' | 'end of DATA') =>
    `${said} ${code} ${dsn} ${msg} (in reply to ${stage} command)`;
  switch (cause) {
    case 'unknown_recipient':
      if (said === '') return { ...base, dsn: '5.1.1', text: `unknown user: "${agent === 'local' ? lp : to}"` };
      if (kind === 'remote') return { ...base, dsn: '5.1.1', text: reply('550', '5.1.1', 'The email account that you tried to reach does not exist.', 'RCPT TO') };
      if (agent === 'lmtp') return { ...base, dsn: '5.1.1', text: reply('550', '5.1.1', `<${to}> User doesn't exist: ${to}`, 'RCPT TO') };
      return { ...base, dsn: '5.1.1', text: reply('550', '5.1.1', `<${to}>: Recipient address rejected: User unknown in virtual mailbox table`, 'RCPT TO') };
    case 'mailbox_full':
      if (agent === 'lmtp') return { ...base, dsn: '5.2.2', text: reply('552', '5.2.2', `<${to}> Quota exceeded (mailbox for user is full)`, 'end of DATA') };
      if (said === '') return { ...base, dsn: '5.2.2', text: `cannot update mailbox /var/mail/${lp} for user ${lp}. error writing message: Disk quota exceeded` };
      return { ...base, dsn: '5.2.2', text: reply('552', '5.2.2', `<${to}>: Recipient address rejected: Mailbox is full (quota exceeded)`, 'RCPT TO') };
    case 'message_too_large':
      if (kind === 'remote') return { ...base, dsn: '5.3.4', text: `message size ${ctx.r.int(26, 60)}000000 exceeds size limit 26214400 of server ${relay.replace(/:25$/, '')}` };
      return { ...base, dsn: '5.3.4', text: reply('552', '5.3.4', 'Message size exceeds fixed maximum message size', 'end of DATA') };
    case 'content_rejected':
      if (kind === 'filter') return { ...base, dsn: '5.7.0', text: reply('554', '5.7.0', `Reject, id=${ctx.r.int(10000, 99999)}-${String(ctx.r.int(1, 20)).padStart(2, '0')} - INFECTED: ${ctx.r.pick(['Eicar-Signature', 'Heuristics.Phishing.Email', 'Doc.Downloader.Emotet'])}`, 'end of DATA') };
      return { ...base, dsn: '5.7.1', text: reply('550', '5.7.1', 'Message rejected as spam', 'end of DATA') };
    case 'relay_rejected':
      return { ...base, dsn: '5.7.1', text: reply('554', '5.7.1', `<${to}>: Relay access denied`, 'RCPT TO') };
    case 'loop':
      return { ...base, agent: 'local', relay: 'local', dsn: '5.4.6', text: `mail forwarding loop for ${to}` };
    case 'other':
      return { ...base, dsn: '5.3.0', text: 'Command died with status 1: "/usr/lib/mailman/mail/mailman"' };
    case 'forward_rejected':
      return { ...base, dsn: '5.7.1', text: reply('550', '5.7.1', `[${ctx.r.int(1, 223)}.${ctx.r.int(0, 255)}.0.${ctx.r.int(1, 254)}] Our system has detected that this message is likely unsolicited mail.`, 'end of DATA') };
    case 'expired':
      throw new Error('an expiry is a series of deferrals, not one attempt');
  }
}

/** A temporary failure: greylisting or a dead next hop. */
export function deferred(ctx: Ctx, kind: Kind, to: string, dead: boolean, suspended = false): Attempt {
  const { agent, relay, said } = route(ctx, kind, to);
  if (dead) {
    const target = kind === 'relay' ? STORE : relay;
    const why = `connect to ${target}: Connection timed out`;
    return { agent, to, relay: 'none', dsn: '4.4.1', status: 'deferred', text: suspended ? `delivery temporarily suspended: ${why}` : why };
  }
  return { agent, to, relay, dsn: '4.7.1', status: 'deferred', text: `${said} 450 4.7.1 <${to}>: Recipient address rejected: Greylisted, try again later (in reply to RCPT TO command)` };
}
