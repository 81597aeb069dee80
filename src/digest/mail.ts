// The digest as a mail and how it leaves. nodemailer builds the multipart/alternative
// message (text, then HTML; Date, Message-ID and MIME headers are its own) and sends it by
// the local sendmail(1) or SMTP (no auth); stdout is for cron, which mails what a job prints.
// Only a digest a transport took is recorded, in table `digests` (migration 0003).
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { renderHtml } from './html.ts';
import { renderText } from './text.ts';
import type { Digest } from './types.ts';

export function defaultFrom(): string {
  return `bouncewatch@${hostname() || 'localhost'}`;
}

export interface Addressing {
  from: string;
  to: string[];
}

export function digestMail(d: Digest, a: Addressing): SendMailOptions {
  return {
    from: a.from,
    ...(a.to.length > 0 ? { to: a.to } : {}),
    subject: d.subject,
    text: renderText(d),
    html: renderHtml(d),
    headers: {
      // RFC 3834: an automatic message; vacation responders and the like must not answer it.
      'Auto-Submitted': 'auto-generated',
    },
    // Nothing in the message may make nodemailer read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** The whole message as it would go over the wire (for --dry-run). */
export async function rawMessage(mail: SendMailOptions): Promise<Buffer> {
  return await new MailComposer(mail).compile().build();
}

export const SENDMAIL = '/usr/sbin/sendmail';

export type TransportSpec =
  | { kind: 'sendmail'; path: string }
  | { kind: 'smtp'; host: string; port: number }
  | { kind: 'stdout' };

export function describeTransport(t: TransportSpec): string {
  if (t.kind === 'sendmail') return `sendmail:${t.path}`;
  if (t.kind === 'smtp') return `smtp://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
  return 'stdout';
}

/** --transport: sendmail | smtp://HOST[:PORT] | stdout; by default sendmail when it exists. */
export function parseTransport(value: string | undefined, sendmailPath = SENDMAIL): TransportSpec {
  const v = value ?? (existsSync(sendmailPath) ? 'sendmail' : 'stdout');
  if (v === 'sendmail') return { kind: 'sendmail', path: sendmailPath };
  if (v === 'stdout') return { kind: 'stdout' };
  if (/^smtp:\/\//i.test(v)) {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw new Error(`--transport: "${v}" is not a URL like smtp://127.0.0.1:25`);
    }
    if (u.username || u.password || (u.pathname && u.pathname !== '/') || u.search) {
      throw new Error(`--transport: "${v}": only smtp://HOST:PORT is supported (no user, password or path)`);
    }
    return { kind: 'smtp', host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port ? Number(u.port) : 25 };
  }
  throw new Error(`--transport: "${v}" must be sendmail, smtp://HOST:PORT or stdout`);
}

export interface Delivery {
  messageId: string;
  /** The recipients the transport took; for SMTP the ones the server accepted. */
  accepted: string[];
  /** For SMTP, recipients the server refused while it accepted others. */
  rejected: string[];
}

const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();

function transporter(t: Exclude<TransportSpec, { kind: 'stdout' }>) {
  if (t.kind === 'sendmail') return nodemailer.createTransport({ sendmail: true, path: t.path, newline: 'unix' });
  return nodemailer.createTransport({
    host: t.host,
    port: t.port,
    secure: false,
    name: hostname() || 'localhost',
    // No TLS is required (a loopback relay), but STARTTLS is used when offered; a local MTA's
    // certificate is usually self-signed, and an unverified TLS session is no worse than none.
    tls: { rejectUnauthorized: false },
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  });
}

const asStrings = (v: unknown): string[] =>
  Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : String((x as { address?: unknown }).address ?? x))) : [];

/** Sends one message; `what` names it in the error ("the digest", "an alert"). */
export async function deliver(t: Exclude<TransportSpec, { kind: 'stdout' }>, mail: SendMailOptions, what = 'the digest'): Promise<Delivery> {
  const tr = transporter(t);
  try {
    const info = (await tr.sendMail(mail)) as { messageId: string; accepted?: unknown; rejected?: unknown; envelope?: { to?: unknown } };
    const accepted = t.kind === 'smtp' ? asStrings(info.accepted) : asStrings(info.envelope?.to);
    return { messageId: info.messageId, accepted, rejected: asStrings(info.rejected) };
  } catch (e) {
    const err = e as Error & { response?: string; code?: string };
    const detail = err.response && !err.message.includes(err.response) ? `: ${err.response}` : '';
    throw new Error(`sending ${what} by ${describeTransport(t)} failed: ${oneLine(err.message + detail)}`, { cause: e });
  } finally {
    tr.close();
  }
}
