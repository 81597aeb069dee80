// Exim main log bodies (from the mainlog or through syslog): arrivals `<=`, deliveries
// `=> -> *>`, failures `**`, deferrals `==`, `Completed`, system-filter cancellations, frozen
// NDRs, and SMTP-time rejections (which have no message id). Flags: Exim spec ch. "Log files".
import type { Client, MailEvent } from './events.ts';
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

/** Lines that are understood and say nothing about one message's fate. */
const NOISE =
  /^(?:SMTP (?:connection|call|command|protocol|syntax|data timeout|error)|no (?:host name|IP address)|Start queue run|End queue run|exim \S+ daemon|cwd=|TLS error|Warning:|\S+ authenticator failed|unexpected disconnection|SMTP data timeout|Connection (?:refused|timed out)|DKIM:|SA:|H=|U=|\S+ \[[^\]]+\]|sender verify|recipient verify|ignoring |Spool file|Message is frozen|no immediate delivery|Unfrozen|Frozen|\[\S+\]|\*\*\*\*|[=-]>|>>|==|event |tls_|peer |our |cipher |bits |listening |daemon |Received |SIGHUP|pid written|\S+ ACL|[a-z_]+_acl:|accepted |delivering |domains:|arc_|Authentication-Results|lh[-_]|oldest|signer:|reason:|client |Message |\s*$|closed by|remote host|Completed|SMTP|LOG:|host |\d+ |no MAIL in SMTP connection|pid \d+: |removed by |original recipients ignored|frozen by |moved from input|refused connection|Peer did not present|TLS session|qualify\/rewrite|Exim configuration error|ETRN|ATRN|\S+ router: |\S+ transport |malware acl condition|DANE|dane:|PRDR|Failed to |failed to |Error |error |configured |\S+ authenticator: |\S+ condition |Start |Messages |domain |"Mail delivery failed|cancelled by |rejected from <|local_scan\(\) function|too many recipients|WARNING:|spool directory space|expansion of |invalid (?:value|message_size_limit)|re-exec of exim|exec of |using queue|timed out while reading|rejected XCLIENT|Server certificate|Required TLS|OCSP |NO CLIENT CERT|home directory)/;

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
