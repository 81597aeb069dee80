// Exim main log shapes: `<=` arrivals, `=>`/`->` deliveries, `**` failures, `==` deferrals,
// `Completed`, and the connection lines around them; written bare (mainlog) or behind a
// syslog prefix (`host exim[pid]: `). Field order follows Exim 4.96/4.97 with +received_recipients.
import { foreignId, type Ctx } from '../context.ts';
import { ORG } from '../hosts.ts';

export function ex(ctx: Ctx, t: number, body: string): void {
  ctx.unit.add(t, ctx.syslog ? `${ctx.host.name} exim[${ctx.host.pid('exim', 8)}]: ${body}` : body);
}

/** A line of another program on the same syslog; the mainlog has none. */
export function other(ctx: Ctx, t: number, program: string, body: string): void {
  if (ctx.syslog) ctx.unit.add(t, `${ctx.host.name} ${program}: ${body}`, false);
}

export interface Peer {
  name: string;
  ip: string;
  helo: string;
}

/** `H=name (helo) [ip]` as Exim writes it: the helo in parentheses only when it differs. */
export function hostField(p: Peer): string {
  const name = p.name === 'unknown' ? '' : `${p.name} `;
  return p.helo === p.name ? `H=${p.name} [${p.ip}]` : `H=${name}(${p.helo}) [${p.ip}]`;
}

const secs3 = (ms: number): string => `${(ms / 1000).toFixed(3)}s`;

export type ExKind = 'mailbox' | 'relay' | 'remote';
export const STORE = `store.${ORG.relay} [10.20.0.5]`;

/** Router, transport and host fields for a recipient of this kind. */
function route(ctx: Ctx, kind: ExKind, to: string): { rt: string; host: string } {
  if (kind === 'mailbox') return { rt: 'R=local_user T=local_delivery', host: '' };
  if (kind === 'relay') return { rt: 'R=relay_to_mailstore T=remote_smtp', host: ` H=${STORE} I=[10.20.0.1]` };
  const domain = to.slice(to.indexOf('@') + 1);
  return { rt: 'R=dnslookup T=remote_smtp', host: ` H=mx${ctx.r.int(1, 3)}.${domain} [${ctx.r.int(11, 199)}.${ctx.r.int(0, 255)}.${ctx.r.int(0, 255)}.${ctx.r.int(1, 254)}]` };
}

/** `=>` (first) or `->` (more addresses in the same delivery); `orig` for a redirected address. */
export function delivered(ctx: Ctx, t: number, id: string, kind: ExKind, to: string, sender: string, opts: { more?: boolean; orig?: string; queuedMs?: number } = {}): void {
  const { rt, host } = route(ctx, kind, to);
  const flag = opts.more ? '->' : '=>';
  const who = kind === 'mailbox' ? `${to.slice(0, to.indexOf('@'))} <${to}>` : opts.orig ? `${to} <${opts.orig}>` : to;
  const conf = kind === 'mailbox' ? '' : ` C="250 2.0.0 Ok: queued as ${foreignId(ctx)}"`;
  const tls = kind === 'remote' ? ' X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes' : '';
  ex(ctx, t, `${id} ${flag} ${who} F=<${sender}> ${rt} S=${ctx.r.int(900, 60000)}${host}${tls}${conf} QT=${secs3(opts.queuedMs ?? 300)} DT=${secs3(ctx.r.int(5, 900))}`);
}

/** `**`: a permanent failure; `reply` is the remote server's, `text` a local reason. */
export interface Why {
  /** The remote server's reply, after `SMTP error from remote mail server after STAGE: `. */
  reply?: string;
  stage?: string;
  /** A local reason instead (routing failed), with the router that gave it, if any. */
  text?: string;
  router?: string;
  orig?: string;
}

export function failedLine(ctx: Ctx, t: number, id: string, kind: ExKind, to: string, sender: string, why: Why): void {
  const who = why.orig ? `${to} <${why.orig}>` : to;
  if (why.text !== undefined) {
    ex(ctx, t, `${id} ** ${who} F=<${sender}>${why.router ? ` R=${why.router}` : ''}: ${why.text} DT=0.000s`);
    return;
  }
  const { rt, host } = route(ctx, kind, to);
  ex(ctx, t, `${id} ** ${who} F=<${sender}> ${rt}${host}: SMTP error from remote mail server after ${why.stage ?? `RCPT TO:<${to}>`}: ${why.reply} DT=${secs3(ctx.r.int(5, 900))}`);
}

/** `==`: a deferral; `dead` is a next hop that never answers. */
export function deferredLine(ctx: Ctx, t: number, id: string, kind: ExKind, to: string, dead: boolean): void {
  const { rt, host } = route(ctx, kind, to);
  if (dead) {
    ex(ctx, t, `${id} == ${to} ${rt} defer (110)${host}: Connection timed out`);
    return;
  }
  ex(ctx, t, `${id} == ${to} ${rt} defer (-44)${host} DT=0.000s: SMTP error from remote mail server after RCPT TO:<${to}>: 450 4.7.1 <${to}>: Recipient address rejected: Greylisted, try again later`);
}

export function completed(ctx: Ctx, t: number, id: string): void {
  ex(ctx, t, `${id} Completed`);
}

export function connectionLines(ctx: Ctx, t: number, p: Peer, tEnd: number, count: number): void {
  ex(ctx, t, `SMTP connection from [${p.ip}]:${ctx.r.int(1024, 65535)} I=[192.0.2.25]:25 (TCP/IP connection count = ${count})`);
  ex(ctx, tEnd, `SMTP connection from ${hostField(p).slice(2)} I=[192.0.2.25]:25 closed by QUIT`);
}
