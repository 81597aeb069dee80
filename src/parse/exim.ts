// Exim main log bodies (from the mainlog or through syslog): arrivals `<=`, deliveries
// `=> -> *>`, failures `**`, deferrals `==`, `Completed`, system-filter cancellations, frozen
// NDRs, and SMTP-time rejections (which have no message id). Flags: Exim spec ch. "Log files".
import type { Client, MailEvent } from './events.ts';
import { startsWithOneOf } from './known-lines.ts';
import { maskQuoted, quoteAware, quotedEnd, quotedForm, splitWords, unquoted, unquotedLocal, type Captures } from './address.ts';

export type EximResult = MailEvent | 'known' | undefined;

/** 4.96 ids `1xX0Kk-0003RE-1j`; 4.97+ ids `1xX0Kk-000000003RE-0001`. */
// The rest after the id is sliced, not captured with (.*)$ (a second scan of every body).
const ID_HEAD = /^([0-9A-Za-z]{6}-[0-9A-Za-z]{6,12}-[0-9A-Za-z]{2,4}) /;
const HOST = /(?:^| )H=(?:([^\s([]+) )?(?:\(([^)]*)\) )?\[([0-9A-Fa-f:.]+)\](?::\d+)?/;
const FIELD = (name: string) => new RegExp(`(?:^| )${name}=("(?:[^"\\\\]|\\\\.)*"|\\S+)`);
const P = FIELD('P');
const S = FIELD('S');
const ID = FIELD('id');
const U = FIELD('U');
const A = FIELD('A');
const R = FIELD('R');
const T = FIELD('T');
const C = FIELD('C');
const DSN = /\b([245]\.\d{1,3}\.\d{1,3})\b/;

function field(re: RegExp, text: string): string | undefined {
  const v = re.exec(text)?.[1];
  return v?.startsWith('"') ? v.slice(1, -1) : v;
}

/** field() found in the masked text, its value cut from the real one (at the same place). */
function fieldIn(re: RegExp, masked: string, text: string): string | undefined {
  const m = re.exec(masked);
  if (!m) return undefined;
  const end = m.index + m[0].length;
  const v = text.slice(end - m[1]!.length, end);
  return v.startsWith('"') ? v.slice(1, -1) : v;
}

function hostOf(text: string): { client?: Client; helo?: string } {
  const m = HOST.exec(text);
  if (!m) return {};
  return { client: { name: m[1] ?? 'unknown', ip: m[3]! }, ...(m[2] !== undefined ? { helo: m[2] } : {}) };
}

/** Position of the first `: ` outside double quotes (`C="..."`, with `\"` inside): where an Exim error text begins. */
function reasonStart(text: string): number {
  let quoted = false;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (quoted && c === '\\') i++;
    else if (!quoted && c === ':' && text[i + 1] === ' ') return i;
  }
  return -1;
}

const OUTCOME_HEAD = quoteAware(/^(\S+?)(:?)(?: <([^>]*)>)?(?: \(([^)]*)\))?((?: |$).*)$/);
/** What may follow the addresses: fields (`R=`, `F=<>`), `(parent)`, an error text, or nothing. */
const AFTER_ADDRESSES = /(?:$| [A-Z]{1,3}=| \(| ?:)/y;

/**
 * Exim logs a delivered address with its local part unquoted, then the address it came from:
 * `x y@d <"x y"@d>`. So a first address with spaces ends at the first ` <...>` that is followed
 * by what may follow the addresses. Returns its end, or -1.
 */
function spacedFirstEnd(text: string): number {
  const masked = maskQuoted(text);
  for (let i = masked.indexOf(' <'); i >= 0; i = masked.indexOf(' <', i + 2)) {
    const close = masked.indexOf('>', i + 2);
    if (close < 0) return -1;
    AFTER_ADDRESSES.lastIndex = close + 1;
    if (AFTER_ADDRESSES.test(masked)) return i;
  }
  return -1;
}

/** An unquoted address with spaces in its local part, not a pipe, file, autoreply or `(parent)`. */
const SPACED_ADDRESS = /^(?![|/>])(?!.* \()[^\s@].*@[^\s@]+$/;

/** OUTCOME_HEAD's captures for a first address that ends at `end`, read by position. */
function headAfter(text: string, end: number): Captures | null {
  const m = OUTCOME_HEAD(`_${text.slice(end)}`);
  return m && m.map((v, i) => (i === 1 ? text.slice(0, end) : v));
}

/** The first address and what follows it, read whole when it is quoted or holds spaces. */
function outcomeHead(text: string): Captures | null {
  if (text.charCodeAt(0) === 34) {
    // `"a b"@d R=...`: the quoted local part, then the domain up to a space or `:`.
    const q = quotedEnd(text, 0);
    const end = q < 0 ? -1 : text.slice(q).search(/[\s:]|$/) + q;
    if (end > 0) return headAfter(text, end);
  }
  const m = OUTCOME_HEAD(text);
  if (!m || m[2] === ':') return m;
  AFTER_ADDRESSES.lastIndex = 0;
  if (AFTER_ADDRESSES.test(m[5] ?? '')) return m;
  const end = spacedFirstEnd(text);
  const head = end < 0 ? null : headAfter(text, end);
  if (!head) return m;
  const first = head[1]!;
  const orig = head[3] ?? '';
  // The address or its local part (a local delivery) unquoted, or a forward's new address.
  // Pipes (`|cmd args`), files and autoreplies (`>addr`) keep their old reading.
  return first === unquoted(orig) || first === unquotedLocal(orig) || SPACED_ADDRESS.test(first) ? head : m;
}

/**
 * `addr [<orig>] [fields]`. Local deliveries log the local part (`alice <alice@exi.test>`),
 * file and pipe deliveries the path, with the address in angle brackets: then the bracketed
 * address is the recipient, and the delivery is local. `addr: reason` has no fields. An address
 * is given in its RFC 5321 form, its local part quoted when it must be.
 */
function addresses(text: string): { to: string; origTo?: string; rest: string; local: boolean } {
  const m = outcomeHead(text);
  if (!m) return { to: text, rest: '', local: false };
  let to = m[1]!;
  let origTo = m[3];
  let local = false;
  if (origTo !== undefined) {
    if (to.startsWith('/') || to.startsWith('|') || !to.includes('@') || to === unquotedLocal(origTo)) {
      to = origTo;
      origTo = undefined;
      local = true;
    } else if (to === unquoted(origTo)) {
      // The same address, printed unquoted and then as it was given.
      to = origTo;
      origTo = undefined;
    }
  }
  // A forward to a quoted address (`a b@ext.test <fwd@exi.test>`): given back its quotes.
  if (origTo !== undefined && to.charCodeAt(0) !== 34 && /[\s"]/.test(to)) {
    const at = to.lastIndexOf('@');
    if (at > 0) to = quotedForm(to.slice(0, at), to.slice(at + 1));
  }
  const rest = m[2] === ':' ? `:${m[5] ?? ''}` : (m[5] ?? '');
  return { to, ...(origTo !== undefined && origTo !== to ? { origTo } : {}), rest, local };
}

/** log_selector additions after the error text (`DT=0.013s`, `QT=...`) are not part of it. */
function cleanReason(text: string): string {
  return text.replace(/(?:\s+(?:DT|QT|RT)=\S+)+\s*$/, '');
}

function arrival(qid: string, rest: string): MailEvent {
  // A quoted local part (`<= "x y"@d H=...`) may hold spaces: the sender ends after it.
  const quoteEnd = rest.charCodeAt(0) === 34 ? quotedEnd(rest, 0) : -1;
  const senderEnd = rest.indexOf(' ', Math.max(quoteEnd, 0));
  const sender = (senderEnd < 0 ? rest : rest.slice(0, senderEnd)).replace(/^<>$/, '');
  const fields = senderEnd < 0 ? '' : rest.slice(senderEnd);
  const proto = field(P, fields);
  const size = field(S, fields);
  const { client, helo } = hostOf(fields);
  const ev: Extract<MailEvent, { kind: 'arrival' }> = { kind: 'arrival', qid, sender };
  if (proto !== undefined) ev.proto = proto;
  if (size !== undefined) ev.size = Number(size);
  if (client && proto !== 'local') ev.client = client;
  if (helo !== undefined) ev.helo = helo;
  const msgId = field(ID, fields);
  if (msgId !== undefined) ev.messageId = msgId;
  const auth = field(A, fields);
  if (auth !== undefined) ev.authUser = auth;
  const user = field(U, fields);
  if (user !== undefined) ev.localUser = user;
  // On an arrival line R= names the message this one is a bounce of.
  const orig = field(R, fields);
  if (orig !== undefined && sender === '') ev.ndrOf = orig;
  // +subject: a bounce and a delay warning look alike but for their subject.
  const subject = field(T, fields);
  if (subject !== undefined) ev.subject = subject;
  const forList = / for (.+)$/.exec(fields);
  if (forList) ev.recipients = splitWords(forList[1]!).filter((a) => a.includes('@'));
  return ev;
}

function outcome(qid: string, flag: string, rest: string): MailEvent {
  const { to, origTo, rest: after, local } = addresses(rest);
  // Fields are read with quoted local parts blanked: `F=<"a: b R=x"@d>` holds no reason or router.
  const masked = maskQuoted(after);
  const cut = after.startsWith(':') ? 0 : reasonStart(masked);
  const fields = cut < 0 ? masked : masked.slice(0, cut);
  let reason = cut < 0 ? '' : cleanReason(after.slice(cut + 1).trimStart());
  if (flag === '=>' || flag === '->' || flag === '*>') reason = fieldIn(C, fields, after) ?? (flag === '*>' ? 'delivery suppressed' : '');
  const status = flag === '**' ? (/retry time(?:out)? (?:exceeded|not reached for any host after a long failure period)/i.test(reason) ? 'expired' : 'bounced')
    : flag === '==' ? 'deferred' : flag === '*>' ? 'discarded' : 'sent';
  const host = /(?:^| )H=(\S+(?: \([^)]*\))? \[[^\]]+\](?::\d+)?)/.exec(fields)?.[1];
  const transport = field(T, fields);
  const dsn = DSN.exec(reason)?.[1];
  return {
    kind: 'delivery', qid, agent: local ? 'local' : (transport ?? field(R, fields) ?? 'exim'), to, status, reason,
    ...(origTo !== undefined ? { origTo } : {}), ...(host !== undefined ? { relay: host } : {}),
    ...(dsn !== undefined ? { dsn } : {}),
  };
}

/** SMTP-time refusals: `H=(helo) [ip] F=<sender> rejected RCPT <rcpt>: reason`. */
const REJECT = quoteAware(
  /^(?:(.*?) )?(temporarily )?rejected (RCPT|MAIL|after DATA|connection|EHLO|HELO|DATA|AUTH|VRFY|EXPN|after [A-Z]+|by local_scan\(\)|by non-SMTP ACL)(?: <([^>]*)>)?(?::? ?(.*))?$/,
);

/** `rejected from <sender> H=...: message too big: ...` (SMTP); without H= it was local. */
const REJECTED_FROM = quoteAware(/^rejected from <([^>]*)>((?: \S+=\S+)*? H=.*?\[[^\]]+\](?::\d+)?)[^:]*: (.*)$/);
const SENDER_FIELD = quoteAware(/(?:^| )F=<([^>]*)>/);

function reject(qid: string | undefined, text: string): MailEvent | undefined {
  const f = REJECTED_FROM(text);
  if (f) {
    const { client, helo } = hostOf(f[2]!);
    return {
      kind: 'reject', qid, action: 'reject', stage: 'DATA', by: 'exim', reason: f[3]!, from: f[1]!,
      ...(client ? { client } : {}), ...(helo !== undefined ? { helo } : {}),
    };
  }
  const m = REJECT(text);
  if (!m) return undefined;
  const who = m[1] ?? '';
  const { client, helo } = hostOf(maskQuoted(who));
  const from = SENDER_FIELD(who)?.[1];
  // local_scan() judges the whole message after its data.
  const stage = m[3]!.startsWith('by ') ? 'DATA' : m[3]!.replace(/^after /, '').toUpperCase();
  const reason = m[5] ?? '';
  const dsn = DSN.exec(reason)?.[1];
  return {
    kind: 'reject', qid, action: 'reject', stage: stage === 'CONNECTION' ? 'CONNECT' : stage, by: 'exim', reason,
    ...(client ? { client } : {}), ...(helo !== undefined ? { helo } : {}), ...(from !== undefined ? { from } : {}),
    ...(m[4] !== undefined ? { to: m[4] } : {}), ...(dsn !== undefined ? { dsn } : {}),
    ...(m[2] ? { code: '4xx' } : {}),
  };
}

/** Lines that are understood and say nothing about one message's fate (order does not matter: any alternative that matches at the start). */
const NOISE = startsWithOneOf([
  /SMTP (?:connection|call|command|protocol|syntax|data timeout|error)/, // smtp_in.c: connection start/close, command timeouts, protocol and syntax errors
  /no (?:host name|IP address)/,           // host.c host_name_lookup(), host_find_byname()
  /Start queue run/,                       // queue.c queue_run()
  /End queue run/,                         // queue.c queue_run()
  /exim \S+ daemon/,                       // daemon.c daemon_go(): "exim 4.x daemon started"
  /cwd=/,                                  // exim.c main(): log_selector +arguments
  /TLS error/,                             // tls-openssl.c / tls-gnu.c tls_error()
  /Warning:/,                              // acl.c warn verb's log_message, receive.c warnings
  /\S+ authenticator failed/,              // smtp_in.c: an AUTH that failed
  /unexpected disconnection/,              // smtp_in.c smtp_setup_msg()
  /SMTP data timeout/,                     // receive.c data_timeout_handler()
  /Connection (?:refused|timed out)/,      // transports/smtp.c: a connect that failed
  /DKIM:/,                                 // dkim.c dkim_exim_verify_log_sig()
  /SA:/,                                   // spam.c spam(): SpamAssassin results
  /H=/,                                    // smtp_in.c / acl.c: a connection-level line that names no message
  /U=/,                                    // receive.c: a local (non-SMTP) submission's line
  /\S+ \[[^\]]+\]/,                        // transports/smtp.c, verify.c: "host [address] ..." lines
  /sender verify/,                         // verify.c verify_address(): sender callout
  /recipient verify/,                      // verify.c verify_address(): recipient callout
  /ignoring /,                             // smtp_in.c: ignoring an option (AUTH=, SIZE=)
  /Spool file/,                            // deliver.c deliver_message(): "Spool file is locked"
  /Message is frozen/,                     // deliver.c deliver_message()
  /no immediate delivery/,                 // receive.c receive_msg(): queue_only, load
  /Unfrozen/,                              // deliver.c deliver_message(): "Unfrozen by forced delivery"
  /Frozen/,                                // deliver.c: a freeze with no message id on the line
  /\[\S+\]/,                               // smtp_in.c: a client known only by its [address]
  /\*\*\*\*/,                              // deliver.c: "****" spool and retry warnings
  /[=-]>/,                                 // deliver.c delivery_log(): delivery lines with no message id
  />>/,                                    // deliver.c: cutthrough delivery
  /==/,                                    // deliver.c: a deferral with no message id
  /event /,                                // event.c event_raise(): event action logs
  /tls_/,                                  // tls-openssl.c: tls_* diagnostics
  /peer /,                                 // tls-openssl.c: peer certificate notes
  /our /,                                  // tls-openssl.c: our certificate notes
  /cipher /,                               // tls-openssl.c: cipher notes
  /bits /,                                 // tls-openssl.c: key size notes
  /listening /,                            // daemon.c daemon_go(): "listening for SMTP on ..."
  /daemon /,                               // daemon.c daemon_go()
  /Received /,                             // receive.c: a Received: header written to the rejectlog
  /SIGHUP/,                                // daemon.c: "SIGHUP received: re-exec daemon"
  /pid written/,                           // daemon.c: the pid file
  /\S+ ACL/,                               // acl.c acl_check(): an ACL's own log
  /[a-z_]+_acl:/,                          // acl.c: a named ACL's log_message
  /accepted /,                             // acl.c accept verb's log_message
  /delivering /,                           // deliver.c deliver_message(): "delivering <id>"
  /domains:/,                              // route.c: a router's domains condition
  /arc_/,                                  // arc.c: experimental ARC
  /Authentication-Results/,                // arc.c / acl.c: an Authentication-Results header logged
  /lh[-_]/,                                // not Exim's own words: a configuration's log_message prefix (origin not pinned)
  /oldest/,                                // queue.c: queue listing notes (origin not pinned)
  /signer:/,                               // dkim.c: the DKIM signer
  /reason:/,                               // acl.c log_message continuation (origin not pinned)
  /client /,                               // tls-openssl.c: client certificate notes
  /Message /,                              // exim.c: -M administration ("Message <id> is not frozen")
  /\s*$/,                                  // log.c: an empty or blank entry
  /closed by/,                             // smtp_in.c: "closed by QUIT", "closed by DROP in ACL"
  /remote host/,                           // transports/smtp.c: "remote host address is the local host"
  /Completed/,                             // deliver.c deliver_message(): with no message id
  /SMTP/,                                  // smtp_in.c: any other SMTP-level line
  /LOG:/,                                  // log.c log_write(): a panic-log header
  /host /,                                 // host.c, transports/smtp.c: "host ... : ..." notes
  /\d+ /,                                  // queue.c, deliver.c: lines that start with a count
  /no MAIL in SMTP connection/,            // smtp_in.c smtp_log_no_mail()
  /pid \d+: /,                             // daemon.c: a child process's status
  /removed by /,                           // exim.c -Mrm
  /original recipients ignored/,           // deliver.c: system filter's unseen recipients
  /frozen by /,                            // exim.c -Mf
  /moved from input/,                      // queue.c: split_spool_directory moves
  /refused connection/,                    // smtp_in.c: host_reject_connection
  /Peer did not present/,                  // tls-openssl.c verify_callback()
  /TLS session/,                           // tls-openssl.c / tls-gnu.c: session notes
  /qualify\/rewrite/,                      // readconf.c: qualify/rewrite domain errors
  /Exim configuration error/,              // readconf.c
  /ETRN/,                                  // smtp_in.c: ETRN command
  /ATRN/,                                  // smtp_in.c: ATRN command
  /\S+ router: /,                          // route.c: a router's own error
  /\S+ transport /,                        // transport.c: a transport's own error
  /malware acl condition/,                 // malware.c malware()
  /DANE/,                                  // dane-openssl.c / tls-openssl.c
  /dane:/,                                 // dane-openssl.c / tls-openssl.c
  /PRDR/,                                  // smtp_in.c: per-recipient data responses
  /Failed to /,                            // daemon.c, spool_out.c: system call failures
  /failed to /,                            // daemon.c, spool_out.c: system call failures
  /Error /,                                // readconf.c, expand.c: errors not about one message
  /error /,                                // readconf.c, expand.c: errors not about one message
  /configured /,                           // readconf.c: configuration notes
  /\S+ authenticator: /,                   // auths/*.c: an authenticator's own error
  /\S+ condition /,                        // acl.c acl_check_condition(): a condition's lookup defer
  /Start /,                                // queue.c: other run starts
  /Messages /,                             // queue.c: queue counts
  /domain /,                               // verify.c, route.c: domain notes
  /"Mail delivery failed/,                 // moan.c: a bounce's Subject: header in the rejectlog dump
  /cancelled by /,                         // filter.c: system filter "fail" with no message id
  /rejected from </,                       // receive.c receive_msg(): a local submission rejected
  /local_scan\(\) function/,               // receive.c: local_scan() verdicts
  /too many recipients/,                   // smtp_in.c: recipients_max
  /WARNING:/,                              // readconf.c, daemon.c warnings
  /spool directory space/,                 // receive.c receive_check_fs()
  /expansion of /,                         // expand.c: a failed expansion
  /invalid (?:value|message_size_limit)/,  // readconf.c, receive.c: invalid settings
  /re-exec of exim/,                       // exim.c, daemon.c
  /exec of /,                              // child.c: a child process that failed to start
  /using queue/,                           // queue.c: named queues
  /timed out while reading/,               // smtp_in.c: command read timeout
  /rejected XCLIENT/,                      // smtp_in.c: XCLIENT refused
  /Server certificate/,                    // tls-openssl.c: server certificate checks
  /Required TLS/,                          // transports/smtp.c: hosts_require_tls
  /OCSP /,                                 // tls-openssl.c: OCSP stapling
  /NO CLIENT CERT/,                        // tls-openssl.c: client certificate absent
  /home directory/,                        // deliver.c / transports: home_directory failures
]);

function noiseOrUnknown(text: string): EximResult {
  return NOISE.test(text) ? 'known' : undefined;
}

export function parseEximBody(body: string): EximResult {
  // `[pid] ` (log_selector +pid); through syslog, long lines come split as `[1\3] `, `[2\3] `:
  // the first part carries the event, the others are the rejectlog's header dump.
  const split = /^\[(\d+)\\\d+\] /.exec(body);
  if (split && split[1] !== '1') return 'known';
  const text = body.replace(/^\[\d+(?:\\\d+)?\] /, '');
  const m = ID_HEAD.exec(text);
  if (!m) return reject(undefined, text) ?? noiseOrUnknown(text);
  const qid = m[1]!;
  const rest = text.slice(m[0].length);
  const flag = rest.slice(0, 3);
  if (flag === '<= ') return arrival(qid, rest.slice(3));
  if (flag === '=> ' || flag === '-> ' || flag === '** ' || flag === '== ' || flag === '*> ') return outcome(qid, flag.trim(), rest.slice(3));
  if (rest === 'Completed' || rest.startsWith('Completed ')) return { kind: 'removed', qid };
  if (rest.startsWith('cancelled by system filter')) {
    return { kind: 'cancelled', qid, reason: rest.replace(/^cancelled by system filter:? ?/, '') || 'cancelled by system filter' };
  }
  if (rest.startsWith('Frozen')) return { kind: 'frozen', qid, dropped: false, reason: rest };
  if (/: error ignored$/.test(rest)) return { kind: 'frozen', qid, dropped: true, reason: rest };
  return reject(qid, rest) ?? noiseOrUnknown(rest);
}

export function isEximProgram(program: string): boolean {
  return program === 'exim' || program === 'exim4' || program.startsWith('exim');
}
