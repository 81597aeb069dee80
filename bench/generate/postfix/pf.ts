// Postfix line shapes (syslog: `host postfix/daemon[pid]: body`) shared by the scenarios: the
// smtpd session around a message, qmgr, cleanup, and the delivery agents' `to=<..>` line.
import { secs, type Ctx } from '../context.ts';

export interface Client {
  name: string;
  ip: string;
  helo: string;
  port: number;
}

export type DeliveryStatus = 'sent' | 'deferred' | 'bounced';

/** One delivery attempt as a delivery agent logs it. */
export interface Attempt {
  agent: string;
  to: string;
  origTo?: string;
  relay: string;
  dsn: string;
  status: DeliveryStatus;
  text: string;
}

export function pf(ctx: Ctx, t: number, daemon: string, body: string, service = 'postfix'): void {
  const h = ctx.host;
  ctx.unit.add(t, `${h.name} ${service}/${daemon}[${h.pid(`${service}/${daemon}`, daemon === 'qmgr' || daemon === 'pickup' || daemon === 'postscreen' ? 1 : 4)}]: ${body}`);
}

/** A line of another program (dovecot, CRON, amavis): bouncewatch counts it as 'other'. */
export function otherLine(ctx: Ctx, t: number, program: string, body: string, withPid = true): void {
  const pid = withPid ? `[${ctx.host.pid(program, 3)}]` : '';
  ctx.unit.add(t, `${ctx.host.name} ${program}${pid}: ${body}`, false);
}

/** `to=<..>, [orig_to=<..>,] relay=.., delay=.., delays=a/b/c/d, dsn=.., status=.. (text)` */
export function delivery(ctx: Ctx, t: number, qid: string, a: Attempt, queuedMs: number): void {
  const r = ctx.r;
  const c = r.int(0, a.relay === 'none' ? 0 : 120);
  const d = r.int(1, 400);
  const before = Math.max(0, queuedMs - c - d);
  const orig = a.origTo ? ` orig_to=<${a.origTo}>,` : '';
  const conn = a.agent === 'smtp' && r.chance(0.15) ? ` conn_use=${r.int(2, 9)},` : '';
  pf(ctx, t, a.agent,
    `${qid}: to=<${a.to}>,${orig} relay=${a.relay},${conn} delay=${secs(queuedMs)}, delays=${secs(before)}/${secs(r.int(0, 30))}/${secs(c)}/${secs(d)}, dsn=${a.dsn}, status=${a.status} (${a.text})`);
}

/** postscreen's checks before smtpd sees the client (port 25 only). */
export function postscreenPass(ctx: Ctx, t: number, c: Client): number {
  pf(ctx, t, 'postscreen', `CONNECT from [${c.ip}]:${c.port} to [192.0.2.25]:25`);
  t += ctx.r.int(5, 60);
  pf(ctx, t, 'postscreen', `PASS ${ctx.r.chance(0.8) ? 'OLD' : 'NEW'} [${c.ip}]:${c.port}`);
  return t + ctx.r.int(1, 10);
}

export function connect(ctx: Ctx, t: number, c: Client, service = 'postfix'): void {
  pf(ctx, t, 'smtpd', `connect from ${c.name}[${c.ip}]`, service);
}

/** The summary smtpd writes when the client quits (Postfix 3.x `disconnect ... commands=`). */
export function disconnect(ctx: Ctx, t: number, c: Client, rcptOk: number, rcptAll: number, data: boolean, service = 'postfix'): void {
  const rcpt = rcptOk === rcptAll ? `${rcptAll}` : `${rcptOk}/${rcptAll}`;
  const tls = c.port !== 0 && ctx.r.chance(0.5) ? 'ehlo=2 starttls=1 ' : 'ehlo=1 ';
  const dataPart = data ? ' data=1' : '';
  const ok = (tls.startsWith('ehlo=2') ? 3 : 1) + 1 + rcptOk + (data ? 1 : 0) + 1;
  const all = ok + (rcptAll - rcptOk);
  pf(ctx, t, 'smtpd', `disconnect from ${c.name}[${c.ip}] ${tls}mail=1 rcpt=${rcpt}${dataPart} quit=1 commands=${ok === all ? ok : `${ok}/${all}`}`, service);
}

export function envelope(ctx: Ctx, t: number, qid: string, sender: string, size: number, nrcpt: number): void {
  pf(ctx, t, 'qmgr', `${qid}: from=<${sender}>, size=${size}, nrcpt=${nrcpt} (queue active)`);
}

export function removed(ctx: Ctx, t: number, qid: string): void {
  pf(ctx, t, 'qmgr', `${qid}: removed`);
}

export function messageIdLine(ctx: Ctx, t: number, qid: string, mid: string): void {
  pf(ctx, t, 'cleanup', `${qid}: message-id=<${mid}>`);
}
