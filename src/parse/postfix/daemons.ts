// One rule set per Postfix program, as in Lightmeter: smtpd, cleanup, qmgr, pickup, bounce,
// postscreen, the delivery agents. Each returns an event, 'known' for understood lines that
// carry no message fate (connect, TLS, anvil, ...), or undefined for a line it cannot read.
import type { MailEvent } from '../events.ts';
import { quoteAware } from '../address.ts';
import { startsWithOneOf } from '../known-lines.ts';
import { isDiagnostic, parseClient, splitQid } from './common.ts';
import { parseDelivery } from './delivery.ts';
import { parseAction } from './reject.ts';

export type Result = MailEvent | 'known' | undefined;

const SMTPD_CLIENT = /^client=([^,\s]*)(?:, (.*))?$/;
const SASL_METHOD = /sasl_method=([^,]*)/;
const SASL_USER = /sasl_username=([^,]*)/;
const ORIG_QID = /orig_queue_id=([0-9A-Za-z]+)/;
const ORIG_CLIENT = /orig_client=([^,\s]*)/;
/** smtpd lines that are understood and say nothing about one message's fate. */
const SMTPD_NOISE = startsWithOneOf([
  /connect from/,                          // smtpd.c smtpd_service()
  /disconnect from/,                       // smtpd.c smtpd_service(): the command counts
  /lost connection/,                       // smtpd.c smtpd_proto(): the client went away
  /timeout after/,                         // smtpd.c smtpd_proto()
  /too many errors/,                       // smtpd.c smtpd_proto()
  /improper command pipelining/,           // smtpd.c: pipelining violation
  /(?:Anonymous|Trusted|Untrusted|Verified) TLS connection/, // tls_server.c tls_server_post_accept()
  /SSL_accept/,                            // tls_server.c: a failed handshake
  /SSL_connect/,                           // tls_client.c: a failed handshake
  /setting up TLS/,                        // tls_server.c tls_server_start()
  /TLS SNI/,                               // tls_server.c: server_name indication
  /non-SMTP command/,                      // smtpd.c: an HTTP request or junk
  /NOQUEUE: lost connection/,              // smtpd.c: gone before a queue id
  /NOQUEUE: client=/,                      // smtpd.c: XCLIENT/XFORWARD with no queue file
  /proxy-(?:accept|reject)/,               // smtpd_proxy.c: the before-queue filter's verdict
  /discarding EHLO/,                       // smtpd.c: ehlo_discard_maps
  /Connection (?:rate|count) limit/,       // smtpd.c (anvil): client rate and count limits
  /lookup table/,                          // smtpd_check.c: a lookup table that failed
  /host mail\./,                           // smtpd_check.c: a reverse-name note (origin not pinned)
  /AUTH command/,                          // smtpd_sasl_proto.c
  /SASL/,                                  // smtpd_sasl_glue.c: authentication failed
  /ehlo=/,                                 // smtpd.c: the command counts of a disconnect
  /[a-z_]+ Client host rejected/,          // smtpd_check.c: a restriction's note
  /client=/,                               // smtpd.c: client= with no queue id
  /too many/,                              // smtpd.c: too many recipients, errors
  /ABORT/,                                 // smtpd.c / smtpd_proxy.c: an aborted session
  /Unable to/,                             // smtpd_check.c / tls: resource errors
  /unsupported/,                           // smtpd.c: an unsupported command or option
  /cannot/,                                // smtpd.c: system errors
  /Error/,                                 // smtpd_check.c: table errors
  /table /,                                // smtpd_check.c: lookup table notes
  /TLS connection established/,            // tls_server.c (Postfix before 2.10)
  /Unverified:/,                           // tls_server.c: certificate verification notes
  /Host offered STARTTLS/,                 // tls_client.c / smtp_proto.c (a relay's STARTTLS)
  /looking for plugins/,                   // tls / SASL (Cyrus) plugin discovery
  /NOQUEUE: (?:bcc|proxy-accept|filter|redirect|hold|warn|info):/, // smtpd_check.c: actions that refuse nothing
]);

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

/** Delivery agent lines that are understood and say nothing about one recipient's fate. */
const AGENT_NOISE = startsWithOneOf([
  /connect to/,                            // smtp_connect.c: a server that could not be reached
  /lost connection/,                       // smtp_proto.c: the server hung up
  /conversation with/,                     // smtp_proto.c: a dialogue error ("conversation with X timed out")
  /(?:Anonymous|Trusted|Untrusted|Verified) TLS connection/, // tls_client.c tls_client_post_connect()
  /setting up TLS/,                        // tls_client.c tls_client_start()
  /SSL_connect/,                           // tls_client.c: a failed handshake
  /host \S+ (?:said|refused)/,             // smtp_proto.c / smtp_trouble.c: a reply not about one recipient
  /server certificate/,                    // tls_client.c: certificate checks
  /certificate verification/,              // tls_client.c: certificate checks
  /Host offered STARTTLS/,                 // smtp_proto.c: STARTTLS offered, not used
  /enabling PIX/,                          // smtp_proto.c: PIX firewall workarounds
  /warning/,                               // any agent: msg_warn()
  /fatal/,                                 // any agent: msg_fatal()
  /TLS/,                                   // tls_client.c: other TLS notes
  /SMTPUTF8/,                              // smtp_proto.c: SMTPUTF8 support notes
  /breaking line/,                         // smtp_proto.c: a body line longer than the limit
  /mx\d/,                                  // smtp_addr.c: an MX host note (origin not pinned)
  /unable to look up/,                     // smtp_addr.c: DNS failures
  /numeric domain/,                        // smtp_addr.c: a numeric domain name
  /network address conversion/,            // smtp_addr.c: an unusable address
  /no MX host/,                            // smtp_addr.c: "no MX host for X has a valid address record"
  /SASL (?:\[CACHED\] )?authentication failed/, // smtp_sasl_glue.c: our client's AUTH failed
  /Cannot start TLS/,                      // smtp_proto.c: STARTTLS failed
  /replace: header/,                       // smtp_proto.c / cleanup: smtp_header_checks REPLACE
  /prepend: header/,                       // smtp_proto.c / cleanup: smtp_header_checks PREPEND
]);

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
