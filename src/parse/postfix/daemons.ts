// One rule set per Postfix program, as in Lightmeter: smtpd, cleanup, qmgr, pickup, bounce,
// postscreen, the delivery agents. Each returns an event, 'known' for understood lines that
// carry no message fate (connect, TLS, anvil, ...), or undefined for a line it cannot read.
import type { MailEvent } from '../events.ts';
import { quoteAware } from '../address.ts';
import { isDiagnostic, parseClient, splitQid } from './common.ts';
import { parseDelivery } from './delivery.ts';
import { parseAction } from './reject.ts';

export type Result = MailEvent | 'known' | undefined;

const SMTPD_CLIENT = /^client=([^,\s]*)(?:, (.*))?$/;
const SASL_METHOD = /sasl_method=([^,]*)/;
const SASL_USER = /sasl_username=([^,]*)/;
const ORIG_QID = /orig_queue_id=([0-9A-Za-z]+)/;
const ORIG_CLIENT = /orig_client=([^,\s]*)/;
const SMTPD_NOISE =
  /^(?:connect from|disconnect from|lost connection|timeout after|too many errors|improper command pipelining|(?:Anonymous|Trusted|Untrusted|Verified) TLS connection|SSL_accept|SSL_connect|setting up TLS|TLS SNI|non-SMTP command|NOQUEUE: lost connection|NOQUEUE: client=|proxy-(?:accept|reject)|discarding EHLO|Connection (?:rate|count) limit|lookup table|host mail\.|AUTH command|SASL|ehlo=|[a-z_]+ Client host rejected|client=|too many|ABORT|Unable to|unsupported|cannot|Error|table |TLS connection established|Unverified:|Host offered STARTTLS|looking for plugins|NOQUEUE: (?:bcc|proxy-accept|filter|redirect|hold|warn|info):)/;

export function smtpd(body: string): Result {
  if (body.startsWith('NOQUEUE: ')) return parseAction(body.slice(9), undefined, 'smtpd') ?? noise(body, SMTPD_NOISE);
  // Postfix before 2.3 logged rejects without the NOQUEUE label.
  // smtpd_proxy_filter verdicts: Postfix 2.x logged them with neither NOQUEUE nor a queue id.
  if (body.startsWith('reject: ') || body.startsWith('proxy-reject: ')) return parseAction(body, undefined, 'smtpd') ?? noise(body, SMTPD_NOISE);
  const q = splitQid(body);
  if (q) {
    const [qid, rest] = q;
    const m = SMTPD_CLIENT.exec(rest);
    if (m) {
      const client = parseClient(m[1]!);
      if (!client) return undefined;
      const extra = m[2] ?? '';
      const ev: MailEvent = { kind: 'client', qid, client };
      const origQid = ORIG_QID.exec(extra)?.[1];
      if (origQid) ev.origQid = origQid;
      const origClient = parseClient(ORIG_CLIENT.exec(extra)?.[1] ?? '');
      if (origClient) ev.origClient = origClient;
      const user = SASL_USER.exec(extra)?.[1];
      if (user) {
        ev.saslUser = user;
        ev.saslMethod = SASL_METHOD.exec(extra)?.[1];
      }
      return ev;
    }
    return parseAction(rest, qid, 'smtpd') ?? noise(rest, SMTPD_NOISE);
  }
  return noise(body, SMTPD_NOISE);
}

const POSTSCREEN_NOISE =
  /^(?:DATA without valid RCPT|CONNECT from|PASS (?:NEW|OLD)|DNSBL rank|HANGUP|DISCONNECT|PREGREET|COMMAND (?:PIPELINING|TIME LIMIT|COUNT LIMIT|LENGTH LIMIT)|NON-SMTP COMMAND|BARE NEWLINE|WHITELISTED|ALLOWLISTED|BLACKLISTED|DENYLISTED|WHITELIST VETO|ALLOWLIST VETO|NOQUEUE: lost|cache |lost connection|TLS|BDAT|warning|reject: connect from|dnsblog)/;

export function postscreen(body: string): Result {
  if (body.startsWith('NOQUEUE: ')) return parseAction(body.slice(9), undefined, 'postscreen') ?? noise(body, POSTSCREEN_NOISE);
  return noise(body, POSTSCREEN_NOISE);
}

const MESSAGE_ID = /^(?:resent-)?message-id=<?(.*?)>?\s*$/;
const CLEANUP_NOISE = /^(?:warning|info|replace|prepend|redirect|filter|hold|discard|milter-discard|milter-hold|bcc|message-id|resent-message-id|reject_warning|header|end-of-header|milter-header)/;

export function cleanup(body: string): Result {
  const q = splitQid(body);
  if (!q) return noise(body, CLEANUP_NOISE);
  const [qid, rest] = q;
  if (rest.startsWith('message-id=')) {
    const m = MESSAGE_ID.exec(rest);
    return { kind: 'message_id', qid, messageId: m?.[1] ?? '' };
  }
  if (rest.startsWith('resent-message-id=')) return 'known';
  return parseAction(rest, qid, 'cleanup') ?? noise(rest, CLEANUP_NOISE);
}

// Addresses are read quote-aware: Postfix 3.5+ logs `from=<"x>y, z"@d>` (info_log_address_format).
const QMGR_FROM = quoteAware(/^from=<?([^>,]*)>?, (?:size=(\d+), nrcpt=(\d+)|status=(?:force-)?expired, returned to sender)/);
const QMGR_NOISE = /^(?:skipped, still being delivered|warning|removed|status=|to=)/;

export function qmgr(body: string): Result {
  const q = splitQid(body);
  if (!q) return noise(body, QMGR_NOISE);
  const [qid, rest] = q;
  if (rest === 'removed') return { kind: 'removed', qid };
  const m = QMGR_FROM(rest);
  if (m) {
    if (m[2] === undefined) return { kind: 'expired', qid, sender: m[1]! };
    return { kind: 'envelope', qid, sender: m[1]!, size: Number(m[2]), nrcpt: Number(m[3]) };
  }
  if (rest.startsWith('to=<')) return parseDelivery(qid, 'qmgr', rest);
  return noise(rest, QMGR_NOISE);
}

const PICKUP = quoteAware(/^uid=(\d+) from=<([^>]*)>/);

export function pickup(body: string): Result {
  const q = splitQid(body);
  if (!q) return noise(body, /^(?:warning|fatal)/);
  const m = PICKUP(q[1]);
  if (!m) return noise(q[1], /^(?:warning)/);
  return { kind: 'pickup', qid: q[0], uid: m[1], sender: m[2] };
}

const NOTIFICATION = /^(sender|postmaster) (non-delivery|delay|delivery status) notification: ([0-9A-Za-z]+)$/;

export function bounce(body: string): Result {
  const q = splitQid(body);
  if (!q) return noise(body, /^(?:warning|fatal)/);
  const m = NOTIFICATION.exec(q[1]);
  if (!m) return noise(q[1], /^(?:warning)/);
  const type = m[2] === 'non-delivery' ? (m[1] === 'sender' ? 'sender_ndr' : 'postmaster_ndr') : m[2] === 'delay' ? 'delay' : 'success';
  return { kind: 'notification', qid: q[0], type, newQid: m[3]! };
}

const AGENT_NOISE =
  /^(?:connect to|lost connection|conversation with|(?:Anonymous|Trusted|Untrusted|Verified) TLS connection|setting up TLS|SSL_connect|host \S+ (?:said|refused)|server certificate|certificate verification|Host offered STARTTLS|enabling PIX|warning|fatal|TLS|SMTPUTF8|breaking line|mx\d|unable to look up|numeric domain|network address conversion|no MX host|SASL (?:\[CACHED\] )?authentication failed|Cannot start TLS|replace: header|prepend: header)/;

export function deliveryAgent(agent: string) {
  return (body: string): Result => {
    const q = splitQid(body);
    if (!q) return noise(body, AGENT_NOISE);
    if (q[1].startsWith('to=<')) return parseDelivery(q[0], agent, q[1]);
    return noise(q[1], AGENT_NOISE);
  };
}

/** postsuper -d logs `QID: removed` too; `Deleted: N messages` is a summary. */
export function postsuper(body: string): Result {
  const q = splitQid(body);
  if (q && q[1] === 'removed') return { kind: 'removed', qid: q[0] };
  return noise(body, /^(?:Deleted|Requeued|Placed on hold|Released from hold|warning|fatal|QID|[0-9A-F]+: (?:requeued|placed on hold|released from hold))/);
}

/** Understood noise, or undefined when not even that. Diagnostics are understood everywhere. */
function noise(text: string, known: RegExp): Result {
  return known.test(text) || isDiagnostic(text) ? 'known' : undefined;
}

/** Programs whose lines are all bookkeeping: counted as understood mail lines. */
export function bookkeeping(): Result {
  return 'known';
}

/** Queue-file lines whose shape says what they are, whichever program wrote them. */
export function anyQueueLine(daemon: string, body: string): Result {
  const q = splitQid(body);
  if (!q) return undefined;
  if (q[1].startsWith('to=')) return parseDelivery(q[0], daemon, q[1]);
  if (q[1].startsWith('from=')) return qmgr(body);
  return undefined;
}
