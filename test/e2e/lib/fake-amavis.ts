// A fake after-queue content filter ("amavis"): Postfix hands it mail over SMTP; infected mail
// gets 554 5.7.1 at end of DATA (so Postfix bounces it), clean mail is re-injected into the
// MTA's re-injection port and answered with the new queue id (the hop that changes queue ids).
import { ScriptedSmtpServer, type SmtpReply } from './smtp-server.ts';
import { sendMail, replyText } from './smtp-client.ts';

export interface FakeAmavisOptions {
  listen: { host: string; port: number };
  reinject: { host: string; port: number };
  /** Marker whose presence in a message means "infected". */
  virusMarker: string;
  virusName: string;
}

/** The XFORWARD attributes a filter got from Postfix, as the command lines that pass them on. */
export function xforwardLines(xf: Record<string, string>): string[] {
  return [
    ['NAME', 'ADDR', 'PORT', 'PROTO', 'HELO'].filter((k) => xf[k] !== undefined).map((k) => `${k}=${xf[k]}`).join(' '),
    ['IDENT', 'SOURCE'].filter((k) => xf[k] !== undefined).map((k) => `${k}=${xf[k]}`).join(' '),
  ].filter((l) => l !== '');
}

export async function startFakeAmavis(o: FakeAmavisOptions): Promise<ScriptedSmtpServer> {
  let scans = 0;
  const server = new ScriptedSmtpServer('amavis', {
    hostname: 'amavis.pfx.test',
    // Offering XFORWARD makes Postfix send the original client and queue id (IDENT), which
    // the re-injection smtpd then logs as orig_queue_id / orig_client, as with real amavisd.
    extensions: ['XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE'],
    keepData: false,
    rcpt: () => ({ code: 250, text: '2.1.5 Ok' }),
    data: async (s, data): Promise<SmtpReply> => {
      scans += 1;
      const id = `${process.pid % 100000}-${String(scans).padStart(2, '0')}`;
      if (data.includes(o.virusMarker)) {
        return { code: 554, text: `5.7.1 Reject, id=${id} - INFECTED: ${o.virusName}` };
      }
      const xforward = xforwardLines(s.xforward);
      const r = await sendMail({
        host: o.reinject.host,
        port: o.reinject.port,
        localAddress: '127.0.0.1',
        helo: 'localhost',
        mailFrom: s.mailFrom ?? '',
        rcpts: s.accepted,
        data: `X-Virus-Scanned: bw-e2e fake amavis, id=${id}\r\n${data}`,
        xforward,
      });
      if (!r.queueId || !r.data) {
        const why = r.data ? replyText(r.data) : r.rcpt.map((x) => replyText(x.reply)).join('; ');
        return { code: 451, text: `4.5.0 id=${id} - re-injection failed: ${why}` };
      }
      return { code: 250, text: `2.0.0 Ok: queued as ${r.queueId}` };
    },
  });
  await server.listen(o.listen.host, o.listen.port);
  return server;
}
