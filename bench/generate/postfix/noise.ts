// Lines about no message's fate: clients that go away, pregreeting bots, failed SASL logins,
// anvil statistics, master warnings (all Postfix, counted as mail lines), and other programs on
// the same syslog (dovecot, CRON), which bouncewatch counts as 'other'.
import type { Ctx } from '../context.ts';
import { ORG } from '../hosts.ts';
import { localPart, publicIp } from '../names.ts';
import { Weighted } from '../random.ts';
import { remoteClient } from './rejects.ts';
import { connect, otherLine, pf, postscreenPass } from './pf.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function clock(t: number): string {
  const d = new Date(t);
  const hh = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${hh(d.getUTCHours())}:${hh(d.getUTCMinutes())}:${hh(d.getUTCSeconds())}`;
}

type Noise = 'lost' | 'pregreet' | 'sasl' | 'anvil' | 'master' | 'abandoned' | 'dovecot' | 'cron';
export const NOISE = new Weighted<Noise>([
  ['lost', 30], ['pregreet', 10], ['sasl', 8], ['anvil', 6], ['master', 1], ['abandoned', 2], ['dovecot', 35], ['cron', 8],
]);

export function noise(ctx: Ctx, t: number, kind: Noise): void {
  const r = ctx.r;
  switch (kind) {
    case 'lost': {
      const c = remoteClient(ctx);
      t = postscreenPass(ctx, t, c);
      connect(ctx, t, c);
      const after = r.pick(['CONNECT', 'EHLO', 'STARTTLS', 'AUTH']);
      pf(ctx, t + r.int(100, 30000), 'smtpd', `lost connection after ${after} from ${c.name}[${c.ip}]`);
      pf(ctx, t + 30001, 'smtpd', `disconnect from ${c.name}[${c.ip}] ${after === 'CONNECT' ? 'commands=0/0' : 'ehlo=1 commands=1'}`);
      return;
    }
    case 'pregreet': {
      const ip = publicIp(r);
      const port = r.int(1024, 65535);
      pf(ctx, t, 'postscreen', `CONNECT from [${ip}]:${port} to [192.0.2.25]:25`);
      pf(ctx, t + r.int(20, 90), 'postscreen', `PREGREET 11 after 0.${r.int(10, 99)} from [${ip}]:${port}: EHLO User\\r\\n`);
      pf(ctx, t + r.int(100, 400), 'postscreen', `DISCONNECT [${ip}]:${port}`);
      return;
    }
    case 'sasl': {
      const c = remoteClient(ctx);
      connect(ctx, t, c, 'postfix/submission');
      pf(ctx, t + r.int(500, 3000), 'smtpd', `warning: ${c.name}[${c.ip}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`, 'postfix/submission');
      pf(ctx, t + 3001, 'smtpd', `disconnect from ${c.name}[${c.ip}] ehlo=1 auth=0/1 rset=1 quit=1 commands=3/4`, 'postfix/submission');
      return;
    }
    case 'anvil': {
      const ip = publicIp(r);
      pf(ctx, t, 'anvil', `statistics: max connection rate ${r.int(1, 5)}/60s for (smtp:${ip}) at ${clock(t - r.int(1, 600) * 1000)}`);
      pf(ctx, t, 'anvil', `statistics: max connection count ${r.int(1, 3)} for (smtp:${ip}) at ${clock(t - r.int(1, 600) * 1000)}`);
      pf(ctx, t, 'anvil', `statistics: max cache size ${r.int(1, 9)} at ${clock(t - r.int(1, 600) * 1000)}`);
      return;
    }
    case 'master':
      pf(ctx, t, 'master', `warning: process /usr/lib/postfix/sbin/smtpd pid ${r.int(1000, 60000)} exit status 1`);
      pf(ctx, t + 1, 'master', 'warning: /usr/lib/postfix/sbin/smtpd: bad command startup -- throttling');
      return;
    case 'abandoned': {
      // Queued at RCPT, then the client went away during DATA: no message, the id is dropped.
      const c = remoteClient(ctx);
      t = postscreenPass(ctx, t, c);
      connect(ctx, t, c);
      t += r.int(200, 2000);
      pf(ctx, t, 'smtpd', `${ctx.host.postfixQid()}: client=${c.name}[${c.ip}]`);
      pf(ctx, t + r.int(1000, 60000), 'smtpd', `lost connection after DATA (0 bytes) from ${c.name}[${c.ip}]`);
      pf(ctx, t + 60001, 'smtpd', `disconnect from ${c.name}[${c.ip}] ehlo=1 mail=1 rcpt=1 data=0/1 commands=3/4`);
      return;
    }
    case 'dovecot': {
      const user = `${localPart(r)}@${ORG.mailbox}`;
      const ip = publicIp(r);
      const session = `${r.int(10000000, 99999999).toString(36)}${r.int(10000000, 99999999).toString(36)}`;
      const mpid = r.int(1000, 60000);
      otherLine(ctx, t, 'dovecot', `imap-login: Login: user=<${user}>, method=PLAIN, rip=${ip}, lip=192.0.2.25, mpid=${mpid}, TLS, session=<${session}>`, false);
      otherLine(ctx, t + r.int(1000, 900000), 'dovecot', `imap(${user})<${mpid}><${session}>: Disconnected: Logged out in=${r.int(50, 9000)} out=${r.int(300, 900000)} deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0`, false);
      return;
    }
    case 'cron':
      otherLine(ctx, t, 'CRON', `(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)`);
      return;
  }
}
