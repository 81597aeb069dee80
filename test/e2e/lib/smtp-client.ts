// A minimal SMTP client on node:net: one session from a chosen local source address (127.1.x.y)
// with a chosen HELO, envelope and message; returns every reply so scenarios can assert on them.
import net from 'node:net';

export interface Reply {
  code: number;
  lines: string[];
}

export interface SendOptions {
  host: string;
  port: number;
  localAddress?: string;
  helo: string;
  mailFrom: string;
  rcpts: string[];
  /** Complete message (headers + body), CRLF line ends; dot-stuffing is done here. */
  data: string;
  /** Sent after EHLO when the server offers XFORWARD (the content filter's re-injection). */
  xforward?: string[];
  timeoutMs?: number;
}

export interface SendResult {
  rcpt: { address: string; reply: Reply }[];
  data: Reply | null;
  /** The id in "250 2.0.0 Ok: queued as ID" (Postfix) or "250 OK id=ID" (Exim), if any. */
  queueId: string | null;
  /** Date.now() when the reply to the end of DATA arrived (before QUIT); absent without DATA. */
  dataAt?: number;
}

export const replyText = (r: Reply): string => r.lines.join(' / ');

class ReplyReader {
  private buf = '';
  private lines: string[] = [];
  private readonly ready: Reply[] = [];
  private waiters: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;

  feed(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).replace(/\r$/, '');
      this.buf = this.buf.slice(nl + 1);
      this.lines.push(line);
      // The last line of a reply has a space (or nothing) after the code, not a dash.
      if (/^\d{3}(?: |$)/.test(line)) {
        const reply = { code: Number(line.slice(0, 3)), lines: this.lines };
        this.lines = [];
        const w = this.waiters.shift();
        if (w) w.resolve(reply);
        else this.ready.push(reply);
      }
    }
  }

  fail(e: Error): void {
    this.failure = e;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  async next(): Promise<Reply> {
    const r = this.ready.shift();
    if (r) return r;
    if (this.failure) throw this.failure;
    return await new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }
}

function dotStuff(data: string): string {
  const body = data.endsWith('\r\n') ? data : `${data}\r\n`;
  return body.replace(/^\./gm, '..');
}

export async function sendMail(o: SendOptions): Promise<SendResult> {
  const sock = net.connect({ host: o.host, port: o.port, localAddress: o.localAddress });
  const reader = new ReplyReader();
  sock.setEncoding('latin1');
  sock.on('data', (c: string) => reader.feed(c));
  sock.on('error', (e) => reader.fail(e));
  sock.on('close', () => reader.fail(new Error('connection closed')));
  sock.setTimeout(o.timeoutMs ?? 60_000, () => sock.destroy(new Error(`SMTP timeout talking to ${o.host}:${o.port}`)));

  const cmd = async (line: string): Promise<Reply> => {
    sock.write(`${line}\r\n`);
    return await reader.next();
  };
  const expect = (r: Reply, what: string): void => {
    if (r.code >= 400) throw new Error(`${what} refused by ${o.host}:${o.port}: ${replyText(r)}`);
  };

  try {
    expect(await reader.next(), 'greeting');
    const ehlo = await cmd(`EHLO ${o.helo}`);
    expect(ehlo, 'EHLO');
    if (o.xforward && ehlo.lines.some((l) => /^250[- ]XFORWARD\b/i.test(l))) {
      for (const x of o.xforward) expect(await cmd(`XFORWARD ${x}`), 'XFORWARD');
    }
    expect(await cmd(`MAIL FROM:<${o.mailFrom}>`), 'MAIL FROM');
    const rcpt: SendResult['rcpt'] = [];
    for (const address of o.rcpts) rcpt.push({ address, reply: await cmd(`RCPT TO:<${address}>`) });
    let data: Reply | null = null;
    let dataAt: number | undefined;
    if (rcpt.some((r) => r.reply.code < 300)) {
      const go = await cmd('DATA');
      if (go.code === 354) {
        sock.write(dotStuff(o.data));
        data = await cmd('.');
        dataAt = Date.now();
      } else {
        data = go;
      }
    }
    await cmd('QUIT').catch(() => null);
    // Postfix: "250 2.0.0 Ok: queued as 4dN5Jx3Z2Kz9"; Exim: "250 OK id=1xX0Kk-0003RE-1j".
    const queueId = data && data.code < 300 ? (/(?:queued as |\bid=)([0-9A-Za-z][0-9A-Za-z-]*)/.exec(replyText(data))?.[1] ?? null) : null;
    return { rcpt, data, queueId, ...(dataAt === undefined ? {} : { dataAt }) };
  } finally {
    sock.destroy();
  }
}
