// The two filters of issue 21: a before-queue proxy filter (smtpd_proxy_filter, SMTPD_PROXY_README)
// that refuses marked mail at end of DATA and passes the rest on with XFORWARD, and an after-queue
// filter that re-injects and answers in its own words (`Ok: accepted (ID)`, `OK id=ID`), never "queued as".
import { xforwardLines } from '../lib/fake-amavis.ts';
import { replyText, sendMail, type Reply } from '../lib/smtp-client.ts';
import { ScriptedSmtpServer, type Session, type SmtpReply } from '../lib/smtp-server.ts';
import { ID_FORM_MARKER, LISTEN, PEERS, SPAM_MARKER } from './topology.ts';

/** The reply text after the code, every line of it, as the filter passes it back. */
const textOf = (r: Reply): string => r.lines.map((l) => l.slice(4)).join(' ');

async function pass(s: Session, data: string, to: { ip: string; port: number }, xforward: string[]) {
  return await sendMail({
    host: to.ip, port: to.port, localAddress: '127.0.0.1', helo: 'localhost',
    mailFrom: s.mailFrom ?? '', rcpts: s.accepted, data, xforward,
  });
}

/**
 * Postfix's smtpd connects at MAIL FROM and relays the transaction; what this filter answers
 * to the end of DATA is what the client gets. XFORWARD carries the real client to proxyback.
 */
export async function startProxyFilter(): Promise<ScriptedSmtpServer> {
  const server = new ScriptedSmtpServer('proxyfilter', {
    hostname: 'proxyfilter.pfx.test',
    extensions: ['XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE'],
    rcpt: () => ({ code: 250, text: '2.1.5 Ok' }),
    data: async (s, data): Promise<SmtpReply> => {
      if (data.includes(SPAM_MARKER)) return { code: 554, text: '5.7.1 Rejected by bw-e2e proxy filter: spam signature found' };
      const r = await pass(s, data, LISTEN.proxyback, xforwardLines(s.xforward));
      if (!r.data) return { code: 451, text: `4.3.0 proxyback refused: ${r.rcpt.map((x) => replyText(x.reply)).join('; ')}` };
      return { code: r.data.code, text: textOf(r.data) };
    },
  });
  await server.listen(PEERS.proxyfilter.ip, PEERS.proxyfilter.port);
  return server;
}

/**
 * Reached over content_filter=smtp: (no XFORWARD offered, so the copy names no orig_queue_id):
 * re-injects into the re-injection port and names the copy's queue id only in its own reply.
 */
export async function startOwnWordsFilter(): Promise<ScriptedSmtpServer> {
  const server = new ScriptedSmtpServer('replyfilter', {
    hostname: 'replyfilter.pfx.test',
    rcpt: () => ({ code: 250, text: '2.1.5 Ok' }),
    data: async (s, data): Promise<SmtpReply> => {
      const r = await pass(s, `X-Filtered: bw-e2e own-words filter\r\n${data}`, LISTEN.reinject, []);
      if (!r.queueId) return { code: 451, text: `4.3.0 re-injection failed: ${r.data ? replyText(r.data) : 'no DATA'}` };
      return data.includes(ID_FORM_MARKER) ? { code: 250, text: `OK id=${r.queueId}` } : { code: 250, text: `2.0.0 Ok: accepted (${r.queueId})` };
    },
  });
  await server.listen(PEERS.replyfilter.ip, PEERS.replyfilter.port);
  return server;
}
