// Mail refused during the SMTP conversation (the good path): NOQUEUE rejects from smtpd and
// postscreen, one line per refused recipient, and messages refused after their data (cleanup
// body checks, milters), which did get a queue id. Each reject line is counted in the truth.
import type { Ctx } from '../context.ts';
import { ORG } from '../hosts.ts';
import { clientName, helo, missingPart, publicIp } from '../names.ts';
import { Weighted } from '../random.ts';
import { connect, disconnect, messageIdLine, pf, postscreenPass, type Client } from './pf.ts';

type Why = 'unknown' | 'rbl' | 'helo' | 'sender' | 'relay' | 'postscreen';
const WHY = new Weighted<Why>([['unknown', 40], ['rbl', 15], ['postscreen', 20], ['helo', 8], ['sender', 10], ['relay', 7]]);

export function remoteClient(ctx: Ctx): Client {
  const ip = publicIp(ctx.r);
  const name = clientName(ctx.r, ip);
  return { ip, name, helo: helo(ctx.r, name, ip), port: ctx.r.int(1024, 65535) };
}

function reply(ctx: Ctx, why: Why, c: Client, from: string, to: string): string {
  switch (why) {
    case 'unknown': {
      const table = to.endsWith(ORG.relay) ? 'relay recipient table' : to.endsWith(ORG.virtual) ? 'virtual mailbox table' : 'local recipient table';
      return `550 5.1.1 <${to}>: Recipient address rejected: User unknown in ${table}`;
    }
    case 'rbl':
      return `554 5.7.1 Service unavailable; Client host [${c.ip}] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/${c.ip}`;
    case 'helo':
      return `504 5.5.2 <${c.helo}>: Helo command rejected: need fully-qualified hostname`;
    case 'sender':
      return `450 4.1.8 <${from}>: Sender address rejected: Domain not found`;
    case 'relay':
      return `454 4.7.1 <${to}>: Relay access denied`;
    case 'postscreen':
      return `550 5.7.1 Service unavailable; client [${c.ip}] blocked using zen.spamhaus.org`;
  }
}

/** A session whose every recipient is refused: a spammer, a dictionary scan, a bad HELO. */
export function noqueueSession(ctx: Ctx, t: number): void {
  const r = ctx.r;
  const why = WHY.pick(r);
  const c = remoteClient(ctx);
  if (why === 'helo') c.helo = `WIN-${r.int(100000, 999999)}`;
  const from = why === 'sender' ? `${missingPart(r)}@${ctx.world.domain(r).replace(/\.[a-z]+$/, '.invalid')}` : ctx.world.forged(r);
  // Dictionary scans try many names in one session.
  const n = why === 'unknown' && r.chance(0.25) ? r.int(2, 8) : 1;
  const domain = r.pick([ORG.mailbox, ORG.mailbox, ORG.virtual, ORG.relay]);
  const rcpt = () => (why === 'relay' ? ctx.world.person(r) : `${missingPart(r)}@${domain}`);
  if (why === 'postscreen') {
    pf(ctx, t, 'postscreen', `CONNECT from [${c.ip}]:${c.port} to [192.0.2.25]:25`);
    pf(ctx, t + r.int(20, 200), 'postscreen', `DNSBL rank ${r.int(2, 6)} for [${c.ip}]:${c.port}`);
    t += r.int(3000, 7000);
    const to = rcpt();
    ctx.truth.rejectLine();
    pf(ctx, t, 'postscreen', `NOQUEUE: reject: RCPT from [${c.ip}]:${c.port}: ${reply(ctx, why, c, from, to)}; from=<${from}>, to=<${to}>, proto=ESMTP, helo=<${c.helo}>`);
    pf(ctx, t + r.int(10, 900), 'postscreen', `DISCONNECT [${c.ip}]:${c.port}`);
    return;
  }
  t = postscreenPass(ctx, t, c);
  connect(ctx, t, c);
  for (let i = 0; i < n; i++) {
    t += r.int(100, 2000);
    const to = rcpt();
    ctx.truth.rejectLine();
    pf(ctx, t, 'smtpd', `NOQUEUE: reject: RCPT from ${c.name}[${c.ip}]: ${reply(ctx, why, c, from, to)}; from=<${from}> to=<${to}> proto=ESMTP helo=<${c.helo}>`);
  }
  t += r.int(10, 500);
  if (r.chance(0.3)) pf(ctx, t, 'smtpd', `lost connection after RCPT from ${c.name}[${c.ip}]`);
  disconnect(ctx, t + 1, c, 0, n, false);
}

/** Refused after DATA: a header/body check in cleanup, or a milter (spam or virus scanner). */
export function queuedReject(ctx: Ctx, t: number): void {
  const r = ctx.r;
  const c = remoteClient(ctx);
  const qid = ctx.host.postfixQid();
  const from = ctx.world.forged(r);
  const to = `${r.pick(['anna', 'bob', 'carol', 'info', 'sales'])}@${ORG.mailbox}`;
  t = postscreenPass(ctx, t, c);
  connect(ctx, t, c);
  t += r.int(200, 2000);
  pf(ctx, t, 'smtpd', `${qid}: client=${c.name}[${c.ip}]`);
  t += r.int(200, 5000);
  messageIdLine(ctx, t, qid, `${r.int(100000, 999999)}.${r.int(1000, 9999)}@${c.helo.replace(/^\[|\]$/g, '')}`);
  t += r.int(50, 3000);
  ctx.truth.rejectLine();
  const env = `from=<${from}> to=<${to}> proto=ESMTP helo=<${c.helo}>`;
  if (r.chance(0.6)) {
    pf(ctx, t, 'cleanup', `${qid}: milter-reject: END-OF-MESSAGE from ${c.name}[${c.ip}]: 5.7.1 ${r.pick(['Spam message rejected', 'Rejected by SpamAssassin', 'Message rejected: virus found'])}; ${env}`);
  } else {
    pf(ctx, t, 'cleanup', `${qid}: reject: body ${r.pick(['Click here to claim your prize', 'Dear winner, your account', 'Cheap meds online'])} from ${c.name}[${c.ip}]; ${env}: 5.7.1 Message content rejected`);
  }
  disconnect(ctx, t + r.int(1, 50), c, 1, 1, false);
  ctx.truth.message({ host: ctx.host.name, queueId: qid, sender: from, origin: 'smtp', clientIp: c.ip, authenticated: false, recipients: [], rejected: true });
}
