// A throwaway real Postfix that produces backscatter on demand, for the alert tests: its smtpd
// (127.0.0.1, a free port) accepts any local part of its domain and local(8) then bounces the
// unknown users, so every forged message becomes an NDR to the forged sender, routed to `sink`
// (a scripted SMTP server playing every other domain's MX) that accepts or refuses it. Own
// queue, config and maillog_file (postlogd) under `root`: it never touches /dev/log or port 25,
// so it runs next to the e2e harnesses, the digest's test Postfix and another of its kind.
import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { PostfixDirs } from '../e2e/postfix/config.ts';
import { preparePostfix, queueEmpty, queueListing, startPostfix, stopPostfix } from '../e2e/postfix/postfix-ctl.ts';
import { waitForListeners, waitUntil } from '../e2e/lib/proc-net.ts';
import { workDirs, type Daemon } from '../e2e/lib/processes.ts';
import { replyText, sendMail } from '../e2e/lib/smtp-client.ts';
import { ScriptedSmtpServer, type SmtpReply, type Transaction } from '../e2e/lib/smtp-server.ts';

export const DOMAIN = 'bw-alerts.test';
/** The one real mailbox (an alias to a file): mail to it is delivered, never bounced. */
export const MAILBOX_USER = 'inbox';
/** Outside bouncewatch's default internal_networks (127.0.0.1/32, ::1/128): a "remote" client. */
export const REMOTE_CLIENT_IP = '127.0.0.2';
const LOOPBACK = '127.0.0.1';

/** The sink's answer to RCPT TO:<forged sender> of an NDR: accept, 550 5.1.1, or a reply of your own. */
export type SinkVerdict = 'accept' | 'refuse' | SmtpReply;
export type SinkRule = (ndrRecipient: string) => SinkVerdict;

export interface BurstPostfixOptions {
  /** Domains whose MX refuses NDRs (550 at RCPT): their NDRs end status=bounced. */
  refuseDomains?: string[];
  /** Decides each NDR recipient's fate instead of refuseDomains. */
  sinkRule?: SinkRule;
}

export interface SendOptions {
  count: number;
  /** The (forged) senders' domains, used in turn; each sender gets a random local part. */
  senderDomains: string[];
  /** Recipients used in turn, local parts (of DOMAIN) or addresses; default random unknown users. */
  recipients?: string[];
  /** Source address of the SMTP client; default REMOTE_CLIENT_IP. */
  clientIp?: string;
  helo?: string;
  /** Sessions in flight at once; default 1 (one after another). */
  concurrency?: number;
}

/** Ground truth of one accepted message. */
export interface Sent {
  kind: 'backscatter' | 'legit';
  sender: string;
  recipient: string;
  clientIp: string;
  /** Date.now() when the 250 to the end of DATA arrived (before QUIT). */
  sentAt: number;
  /** From "250 2.0.0 Ok: queued as ID". */
  queueId: string | null;
}

/** Local parts that are refused at RCPT as unknown users (a dictionary scan's probes). */
export const SCAN_PREFIX = 'scan-';

export interface BurstPostfix {
  root: string;
  dirs: PostfixDirs;
  maillog: string;
  /** The real user's mbox file. */
  mailbox: string;
  smtp: { host: string; port: number };
  sink: ScriptedSmtpServer;
  sinkPort: number;
  setSinkRule(rule: SinkRule): void;
  /** Forged mail to unknown users of DOMAIN: each is accepted, then bounced to its sender. */
  sendBurst(o: SendOptions): Promise<Sent[]>;
  /**
   * A dictionary scan: `count` RCPTs to unknown local parts (scan-...) in one session from
   * `clientIp`, each refused 550 at RCPT; returns the addresses probed (throws if one was taken).
   */
  sendScan(o: { count: number; clientIp?: string }): Promise<string[]>;
  /** Mail to MAILBOX_USER (recipients ignored): accepted and delivered, no NDR. */
  sendLegit(o: Omit<SendOptions, 'recipients'>): Promise<Sent[]>;
  /** The sink's transactions with the null sender (NDRs), refused ones included. */
  ndrs(): Transaction[];
  /** Waits until the sink has seen an NDR (accepted or refused) for each backscatter sender; keyed by lower-cased sender. */
  awaitNdrs(sent: Sent[], timeoutMs?: number): Promise<Map<string, Transaction>>;
  awaitQueueEmpty(timeoutMs?: number): Promise<void>;
  /** Maillog lines so far, each with when the harness first saw it (polled every 20 ms). */
  logLines(): LogLine[];
  /** Waits until `count` lines match; `at` is when the count-th was first seen. */
  awaitLog(re: RegExp, count?: number, timeoutMs?: number): Promise<{ at: number; lines: string[] }>;
  readMaillog(): Promise<string>;
  stop(): Promise<void>;
}

export interface LogLine {
  /** Date.now() when the harness first read the line (the log's own stamps have whole seconds). */
  at: number;
  line: string;
}

/**
 * Follows the maillog from its start, stamping each line when first read: the alert tests
 * measure latency from an NDR line's appearance, finer than the log's one-second stamps.
 */
function followLog(file: string, everyMs = 20): { lines: LogLine[]; poll(): Promise<void>; stop(): void } {
  const lines: LogLine[] = [];
  let offset = 0;
  let partial = '';
  let busy: Promise<void> | null = null;
  const read = async (): Promise<void> => {
    const fh = await open(file, 'r').catch(() => null);
    if (!fh) return;
    try {
      for (;;) {
        const buf = Buffer.alloc(65536);
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        const now = Date.now();
        const parts = (partial + buf.subarray(0, bytesRead).toString('utf8')).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) lines.push({ at: now, line });
      }
    } finally {
      await fh.close();
    }
  };
  const poll = async (): Promise<void> => {
    busy ??= read().finally(() => { busy = null; });
    await busy;
  };
  const timer = setInterval(() => void poll(), everyMs);
  timer.unref();
  return { lines, poll, stop: () => clearInterval(timer) };
}

function mainCf(d: PostfixDirs, maillog: string, sinkPort: number): string {
  const p: [string, string][] = [
    ['compatibility_level', '3.6'],
    ['queue_directory', d.queue],
    ['data_directory', d.data],
    ['mail_owner', 'postfix'],
    ['setgid_group', 'postdrop'],
    ['myhostname', `mx.${DOMAIN}`],
    ['mydomain', DOMAIN],
    ['myorigin', '$myhostname'],
    ['mydestination', `$myhostname, ${DOMAIN}`],
    ['inet_interfaces', 'loopback-only'],
    ['inet_protocols', 'ipv4'],
    ['mynetworks', `${LOOPBACK}/32`],
    // Accept-then-bounce on purpose: no recipient check at SMTP time, so local(8) bounces
    // unknown users after the 250. Relaying stays refused for everyone outside mynetworks.
    ['local_recipient_maps', ''],
    ['relay_recipient_maps', ''],
    ['smtpd_relay_restrictions', 'permit_mynetworks, reject_unauth_destination'],
    // Local parts starting scan- are refused as unknown at RCPT (as local_recipient_maps would):
    // a dictionary scan's trace, for the scan rule. Every other local part is accepted.
    ['smtpd_recipient_restrictions', `reject_unauth_destination, check_recipient_access regexp:${d.config}/scan`],
    ['smtpd_peername_lookup', 'no'],
    // A scan's many refused RCPTs in one session: no tarpit, no disconnect after 20 errors.
    ['smtpd_error_sleep_time', '0'],
    ['smtpd_soft_error_limit', '1000'],
    ['smtpd_hard_error_limit', '1000'],
    ['smtpd_banner', '$myhostname ESMTP'],
    ['alias_maps', `hash:${d.config}/aliases`],
    ['alias_database', `hash:${d.config}/aliases`],
    ['allow_mail_to_files', 'alias'],
    // Every other domain is the forged senders' MX: the sink. No DNS anywhere.
    ['default_transport', `smtp:[${LOOPBACK}]:${sinkPort}`],
    ['relayhost', ''],
    ['smtp_dns_support_level', 'disabled'],
    ['smtp_host_lookup', 'native'],
    ['maillog_file', maillog],
    ['maillog_file_prefixes', d.root],
    // Fast: a burst must not be slowed by cleanup's flow control, retries come within seconds.
    ['in_flow_delay', '0'],
    ['queue_run_delay', '1s'],
    ['minimal_backoff_time', '1s'],
    ['maximal_backoff_time', '2s'],
    ['maximal_queue_lifetime', '30s'],
    ['bounce_queue_lifetime', '30s'],
    ['biff', 'no'],
    ['append_dot_mydomain', 'no'],
    ['smtputf8_enable', 'no'],
    // A refused NDR is dropped without a double bounce to postmaster.
    ['notify_classes', ''],
  ];
  return `${p.map(([k, v]) => `${k} = ${v}`).join('\n')}\n`;
}

// One TCP listener, on 127.0.0.1 and a port picked at start; everything else is unix-domain.
const masterCf = (smtpPort: number): string => `${LOOPBACK}:${smtpPort} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
proxywrite unix - - n - 1 proxymap
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
postlog   unix-dgram n - n - 1 postlogd
`;

/** A port the kernel calls free on 127.0.0.1 now (another process may still take it later). */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => resolve());
  });
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function startSink(rule: () => SinkRule): Promise<{ sink: ScriptedSmtpServer; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const sink = new ScriptedSmtpServer('sink', {
      hostname: 'mx.forged-senders.test',
      keepData: true,
      rcpt: (address) => {
        const v = rule()(address);
        if (v === 'accept') return { code: 250, text: '2.1.5 Ok' };
        if (v === 'refuse') return { code: 550, text: '5.1.1 <' + address + '>: Recipient address rejected: we never sent that mail' };
        return v;
      },
    });
    const port = await freePort();
    try {
      await sink.listen(LOOPBACK, port);
      return { sink, port };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw e;
    }
  }
}

const rand = (): string => randomBytes(5).toString('hex');
const at = (r: string): string => (r.includes('@') ? r : `${r}@${DOMAIN}`);

function message(sender: string, recipient: string, subject: string): string {
  const domain = sender.split('@')[1] ?? 'invalid';
  return [
    `From: <${sender}>`, `To: <${recipient}>`, `Subject: ${subject}`, `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${rand()}.${Date.now()}@${domain}>`, '', 'bouncewatch alert test message', '',
  ].join('\r\n');
}

/** Sends o.count messages, `concurrency` sessions at a time; throws when one is not accepted. */
async function send(smtp: { host: string; port: number }, o: SendOptions, kind: Sent['kind'], recipientOf: (i: number) => string): Promise<Sent[]> {
  if (o.senderDomains.length === 0) throw new Error('senderDomains: give at least one domain');
  const clientIp = o.clientIp ?? REMOTE_CLIENT_IP;
  const out: Sent[] = new Array<Sent>(o.count);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < o.count; i = next++) {
      const sender = `${kind === 'legit' ? 'news' : 'u'}-${rand()}@${o.senderDomains[i % o.senderDomains.length]}`;
      const recipient = recipientOf(i);
      const r = await sendMail({
        ...smtp, localAddress: clientIp, helo: o.helo ?? 'client.remote.test', mailFrom: sender, rcpts: [recipient],
        data: message(sender, recipient, `${kind} ${i + 1} of ${o.count}`),
      });
      if (!r.data || r.data.code !== 250) {
        const why = r.data ? replyText(r.data) : r.rcpt.map((x) => replyText(x.reply)).join('; ');
        throw new Error(`message ${i + 1} (${sender} -> ${recipient}) not accepted: ${why}`);
      }
      out[i] = { kind, sender, recipient, clientIp, sentAt: r.dataAt ?? Date.now(), queueId: r.queueId };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency ?? 1, o.count)) }, worker));
  return out;
}

export async function startBurstPostfix(root: string, opts: BurstPostfixOptions = {}): Promise<BurstPostfix> {
  const refused = new Set((opts.refuseDomains ?? []).map((x) => x.toLowerCase()));
  let rule: SinkRule = opts.sinkRule ?? ((a) => (refused.has(a.split('@').pop()?.toLowerCase() ?? '') ? 'refuse' : 'accept'));
  const d = { root, ...(await workDirs(root, { config: 'etc', queue: 'spool', data: 'data', mbox: 'mbox', log: 'log' })) };
  // local(8) delivers to alias files as nobody.
  await chmod(d.mbox, 0o1777);
  const maillog = path.join(d.log, 'maillog');
  const mailbox = path.join(d.mbox, MAILBOX_USER);
  const { sink, port: sinkPort } = await startSink(() => rule);
  const log = followLog(maillog);
  let daemon: Daemon | null = null;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    log.stop();
    try {
      if (daemon) await stopPostfix(d, daemon);
    } finally {
      await sink.close();
    }
  };
  try {
    const smtpPort = await freePort();
    await writeFile(path.join(d.config, 'main.cf'), mainCf(d, maillog, sinkPort));
    await writeFile(path.join(d.config, 'master.cf'), masterCf(smtpPort));
    await writeFile(path.join(d.config, 'scan'), `/^${SCAN_PREFIX}/ 550 5.1.1 User unknown in local recipient table\n`);
    await writeFile(path.join(d.config, 'aliases'), `${MAILBOX_USER}: ${mailbox}\npostmaster: ${path.join(d.mbox, 'postmaster')}\n`);
    await preparePostfix(d);
    const pf = startPostfix(d);
    daemon = pf;
    await Promise.race([
      waitForListeners([{ ip: LOOPBACK, port: smtpPort }], 20_000),
      pf.exited.then((code) => { throw new Error(`postfix exited (${code}) at start: ${pf.output()}`); }),
    ]);
    const smtp = { host: LOOPBACK, port: smtpPort };
    const readMaillog = async (): Promise<string> => await readFile(maillog, 'utf8').catch(() => '');
    const ndrs = (): Transaction[] => sink.transactions.filter((t) => t.mailFrom === '');
    return {
      root, dirs: d, maillog, mailbox, smtp, sink, sinkPort, readMaillog, ndrs, stop,
      setSinkRule: (r) => { rule = r; },
      sendBurst: async (o) => await send(smtp, o, 'backscatter', (i) => {
        const r = o.recipients?.length ? o.recipients[i % o.recipients.length] : undefined;
        return at(r ?? `nx-${rand()}`);
      }),
      sendScan: async (o) => {
        const rcpts = Array.from({ length: o.count }, () => at(`${SCAN_PREFIX}${rand()}`));
        const r = await sendMail({
          ...smtp, localAddress: o.clientIp ?? REMOTE_CLIENT_IP, helo: 'scanner.remote.test', mailFrom: `probe-${rand()}@scanner.example`, rcpts,
          data: '',
        });
        const taken = r.rcpt.filter((x) => x.reply.code !== 550);
        if (taken.length > 0) throw new Error(`scan probes not refused with 550: ${taken.map((x) => `${x.address} ${replyText(x.reply)}`).join('; ')}`);
        return rcpts;
      },
      sendLegit: async (o) => await send(smtp, o, 'legit', () => `${MAILBOX_USER}@${DOMAIN}`),
      awaitNdrs: async (sent, timeoutMs = 30_000) => {
        const want = sent.filter((s) => s.kind === 'backscatter').map((s) => s.sender.toLowerCase());
        const seen = new Map<string, Transaction>();
        await waitUntil(`NDRs at the sink for ${want.length} forged senders`, () => {
          for (const t of ndrs()) for (const r of t.rcpts) seen.set(r.address.toLowerCase(), t);
          return want.every((w) => seen.has(w));
        }, timeoutMs, 25);
        return new Map(want.map((w) => [w, seen.get(w)!]));
      },
      awaitQueueEmpty: async (timeoutMs = 30_000) => {
        await waitUntil('the burst Postfix queue to empty', () => queueEmpty(d), timeoutMs, 200)
          .catch(async (e: Error) => { throw new Error(`${e.message}\n${await queueListing(d)}`); });
      },
      logLines: () => [...log.lines],
      awaitLog: async (re, count = 1, timeoutMs = 30_000) => {
        let hits: LogLine[] = [];
        const one = new RegExp(re.source, re.flags.replace('g', ''));
        await waitUntil(`${count} maillog lines matching ${re}`, async () => {
          await log.poll();
          hits = log.lines.filter((l) => one.test(l.line));
          return hits.length >= count;
        }, timeoutMs, 20);
        return { at: hits[count - 1]?.at ?? Date.now(), lines: hits.map((h) => h.line) };
      },
    };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}
