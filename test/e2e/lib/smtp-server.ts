// A tiny scriptable SMTP server on node:net. It plays the downstream mailbox server, the forged
// senders' MX and the fake content filter: a script answers each RCPT and the end of DATA, and
// every transaction (accepted or not) is recorded for the harness's own checks.
import net from 'node:net';

export interface SmtpReply {
  code: number;
  /** Text after the code, normally starting with an enhanced status code ("5.1.1 ..."). */
  text: string;
}

export interface Session {
  clientIp: string;
  helo: string;
  mailFrom: string | null;
  accepted: string[];
  /** XFORWARD attributes sent by the client (NAME, ADDR, IDENT, ...), raw xtext values. */
  xforward: Record<string, string>;
}

export interface Transaction {
  at: string;
  clientIp: string;
  helo: string;
  mailFrom: string;
  rcpts: { address: string; reply: string }[];
  accepted: string[];
  size: number | null;
  messageId: string | null;
  dataReply: string | null;
  data: string | null;
  xforward: Record<string, string>;
}

export interface SmtpScript {
  hostname: string;
  /** EHLO keywords after the host name line, e.g. 'XFORWARD NAME ADDR IDENT'. */
  extensions?: string[];
  rcpt?(address: string, s: Session): SmtpReply;
  data?(s: Session, data: string): SmtpReply | Promise<SmtpReply>;
  /** Keep the message text in the record (the NDR checks read it). */
  keepData?: boolean;
  /** Advertise SIZE: refuse a larger MAIL FROM SIZE= or message with 552 5.3.4. */
  sizeLimit?: number;
}

const OK: SmtpReply = { code: 250, text: '2.0.0 Ok' };
const TOO_BIG: SmtpReply = { code: 552, text: '5.3.4 Message size exceeds fixed maximum message size' };
const fmt = (r: SmtpReply): string => `${r.code} ${r.text}`;

// A quoted local part (RFC 5321 Quoted-string) may hold `>`: the path ends after it.
function angle(arg: string): string {
  const m = /<((?:"(?:[^"\\]|\\.)*")?[^>]*)>/.exec(arg);
  return m?.[1] ?? arg.trim().split(/\s+/)[0] ?? '';
}

export class ScriptedSmtpServer {
  readonly transactions: Transaction[] = [];
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private lastActivity = Date.now();
  private ids = 0;

  constructor(readonly name: string, private readonly script: SmtpScript) {
    this.server = net.createServer((sock) => this.handle(sock));
  }

  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port, exclusive: true }, () => resolve());
    });
  }

  /** Milliseconds since the last byte in or out; 0 while a connection is open. */
  idleMs(): number {
    return this.sockets.size > 0 ? 0 : Date.now() - this.lastActivity;
  }

  nextQueueId(): string {
    this.ids += 1;
    return `${this.name.toUpperCase().replace(/[^A-Z0-9]/g, '')}${String(this.ids).padStart(4, '0')}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(sock: net.Socket): void {
    this.sockets.add(sock);
    this.lastActivity = Date.now();
    const s: Session = { clientIp: sock.remoteAddress ?? '', helo: '', mailFrom: null, accepted: [], xforward: {} };
    let rcpts: { address: string; reply: string }[] = [];
    let inData = false;
    let dataLines: string[] = [];
    let buf = '';
    let chain = Promise.resolve();

    const send = (line: string): void => {
      this.lastActivity = Date.now();
      if (!sock.destroyed) sock.write(`${line}\r\n`);
    };
    const record = (data: string | null, reply: string | null): void => {
      if (s.mailFrom === null) return;
      const mid = data === null ? null : (/^message-id:\s*<([^>]*)>/im.exec(data)?.[1] ?? null);
      this.transactions.push({
        at: new Date().toISOString(), clientIp: s.clientIp, helo: s.helo, mailFrom: s.mailFrom, rcpts,
        accepted: [...s.accepted], size: data === null ? null : Buffer.byteLength(data, 'latin1'),
        messageId: mid, dataReply: reply, data: this.script.keepData ? data : null, xforward: { ...s.xforward },
      });
      s.mailFrom = null;
      s.accepted = [];
      rcpts = [];
    };

    const command = async (line: string): Promise<void> => {
      if (inData) {
        if (line !== '.') {
          dataLines.push(line.startsWith('.') ? line.slice(1) : line);
          return;
        }
        inData = false;
        const data = dataLines.join('\r\n') + '\r\n';
        dataLines = [];
        const limit = this.script.sizeLimit;
        const reply = limit !== undefined && Buffer.byteLength(data, 'latin1') > limit
          ? TOO_BIG
          : this.script.data ? await this.script.data(s, data) : { code: 250, text: `2.0.0 Ok: queued as ${this.nextQueueId()}` };
        send(fmt(reply));
        record(data, fmt(reply));
        return;
      }
      const verb = line.slice(0, 4).toUpperCase();
      const arg = line.slice(4).replace(/^[ :]*(FROM:|TO:)?/i, '').trim();
      switch (verb) {
        case 'EHLO':
        case 'HELO': {
          record(null, null);
          s.helo = arg;
          if (verb === 'HELO') return send(`250 ${this.script.hostname}`);
          const size = this.script.sizeLimit === undefined ? [] : [`SIZE ${this.script.sizeLimit}`];
          const lines = [this.script.hostname, ...(this.script.extensions ?? []), ...size, 'ENHANCEDSTATUSCODES', '8BITMIME'];
          lines.forEach((l, i) => send(`250${i === lines.length - 1 ? ' ' : '-'}${l}`));
          return;
        }
        case 'XFOR':
          for (const m of line.matchAll(/([A-Z]+)=(\S+)/g)) if (m[1] && m[2]) s.xforward[m[1]] = m[2];
          return send(fmt(OK));
        case 'MAIL': {
          record(null, null);
          const declared = Number(/\bSIZE=(\d+)/i.exec(arg)?.[1] ?? 0);
          if (this.script.sizeLimit !== undefined && declared > this.script.sizeLimit) return send(fmt(TOO_BIG));
          s.mailFrom = angle(arg);
          return send('250 2.1.0 Ok');
        }
        case 'RCPT': {
          if (s.mailFrom === null) return send('503 5.5.1 Error: need MAIL command');
          const address = angle(arg);
          const reply = this.script.rcpt ? this.script.rcpt(address, s) : { code: 250, text: '2.1.5 Ok' };
          rcpts.push({ address, reply: fmt(reply) });
          if (reply.code < 300) s.accepted.push(address);
          return send(fmt(reply));
        }
        case 'DATA':
          if (s.accepted.length === 0) return send('554 5.5.1 Error: no valid recipients');
          inData = true;
          return send('354 End data with <CR><LF>.<CR><LF>');
        case 'RSET':
          record(null, null);
          return send(fmt(OK));
        case 'NOOP':
          return send(fmt(OK));
        case 'QUIT':
          record(null, null);
          send('221 2.0.0 Bye');
          sock.end();
          return;
        default:
          return send('502 5.5.2 Error: command not recognized');
      }
    };

    sock.setEncoding('latin1');
    sock.on('data', (chunk: string) => {
      this.lastActivity = Date.now();
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        // Commands are handled strictly in order, even when a data handler is asynchronous.
        chain = chain.then(() => command(line)).catch((e: unknown) => {
          send(`451 4.3.0 Error: ${e instanceof Error ? e.message : String(e)}`);
        });
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      void chain.then(() => record(null, null));
      this.sockets.delete(sock);
      this.lastActivity = Date.now();
    });
    send(`220 ${this.script.hostname} ESMTP bw-e2e peer`);
  }
}
