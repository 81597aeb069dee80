// Pieces shared by the Postfix daemon parsers: queue ids, client[ip], the trailing
// `from=<..> to=<..> proto=.. helo=<..>` of reject lines, and lines every daemon may write.
import type { Client } from '../events.ts';
import { maskQuoted } from '../address.ts';
import { startsWithOneOf } from '../known-lines.ts';

/**
 * `QID: rest`. Short ids are hex; long ids (enable_long_queue_ids) are base-52 seconds and
 * microseconds, a `z`, then the inode: they start with a digit until the 2090s and always
 * hold a `z` (sometimes more), which keeps words like `mynetworks:` from passing for ids.
 */
const QID_HEAD = /^([0-9A-F]{5,12}|[0-9](?=[0-9A-Za-z]*z)[0-9A-Za-z]{7,20}): /;

export function splitQid(body: string): [qid: string, rest: string] | undefined {
  const m = QID_HEAD.exec(body);
  // The rest is sliced, not captured with (.*)$: that scanned every body a second time.
  return m ? [m[1]!, body.slice(m[0].length)] : undefined;
}

const CLIENT = /^([^[\s]*)\[([^\]]*)\](?::\d+)?$/;

/** `name[ip]`, `name[ip]:port` or `[ip]:port` (postscreen). */
export function parseClient(text: string): Client | undefined {
  const m = CLIENT.exec(text);
  if (!m) return undefined;
  return { name: m[1] || 'unknown', ip: m[2]! };
}

export interface Envelope {
  from?: string;
  to?: string;
  proto?: string;
  helo?: string;
}

const ENVELOPE_FIELD = /(from|to|proto|helo)=(?:<([^>]*)>|([^\s,;]*))/g;
const ENVELOPE_FIELD_AT = new RegExp(ENVELOPE_FIELD.source, 'dg');

/**
 * Reads `from=<a> to=<b> proto=ESMTP helo=<h>` (smtpd) or the comma form of postscreen. With a
 * quoted local part the fields are found in the masked text, so `from=<"x> to=<y"@d>` is one
 * sender, and cut from the real text.
 */
export function parseEnvelope(text: string): Envelope {
  const env: Envelope = {};
  const masked = maskQuoted(text);
  const re = masked === text ? ENVELOPE_FIELD : ENVELOPE_FIELD_AT;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(masked)) !== null) {
    const key = m[1] as keyof Envelope;
    if (env[key] !== undefined) continue;
    const at = m.indices?.[2] ?? m.indices?.[3];
    env[key] = at ? text.slice(at[0], at[1]) : (m[2] ?? m[3] ?? '');
  }
  return env;
}

/** Where the `; from=<..> to=<..>` of a reject text starts: the last one outside a quoted local part. */
export function envelopeCut(text: string): number {
  return maskQuoted(text).lastIndexOf('; from=');
}

const REPLY = /^(\d{3})(?:[ -](\d\.\d{1,3}\.\d{1,3}))?\b/;

/** The SMTP reply code and enhanced status at the start of a reject text. */
export function parseReply(text: string): { code?: string; dsn?: string } {
  const m = REPLY.exec(text);
  return m ? { code: m[1], dsn: m[2] } : {};
}

/** Diagnostics any Postfix program writes; understood, not about one message's fate. */
const DIAGNOSTIC = /^(?:warning|fatal|panic|error|statistics|info|daemon started|reload|terminating|stopping|starting|refreshing|using backwards-compatible|Postfix is|mail system|The Postfix|postfix\/|hint:)/;

/**
 * Verbose output (`-v` in master.cf, debug_peer_list): internal function traces, attribute
 * exchanges and SMTP dialogue echoes. Understood as debugging, not message events.
 */
const VERBOSE = startsWithOneOf([
  /[a-z]+(?:_[a-z0-9]+)+(?:\[\d+\])?: /,   // any -v program: msg_info("%s: ...", myname) function traces
  /(?:send|input) attr(?:ibute)? /,        // attr_print*.c / attr_scan*.c: attribute exchange
  /(?:private|public)\/[\w-]+ socket: /,   // attr_scan*.c: what a socket sent
  /request(?: ignored|: )/,                // trivial-rewrite, proxymap, verify: service requests
  /done \w+ queue scan/,                   // qmgr_scan.c qmgr_scan_next()
  /(?:start|end) sorted recipient list/,   // qmgr_message.c qmgr_message_sort()
  /[<>] \S+: /,                            // smtp_chat.c / smtpd_chat.c: the SMTP dialogue
  /name_mask: /,                           // name_mask.c
  /connection established/,                // smtp_connect.c, auto_clnt.c
  /event_/,                                // events.c: event_request_timer() and friends
  /watchdog_/,                             // watchdog.c
  /vstream_/,                              // vstream.c
  /dict_/,                                 // dict_*.c: lookup tables
  /match_/,                                // match_list.c, match_ops.c
  /maps_/,                                 // maps.c maps_find()
  /mail_/,                                 // mail_*.c: mail_queue_*, mail_open_ok ...
  /smtp_/,                                 // smtp/*.c: the SMTP client's functions
  /smtpd_/,                                // smtpd/*.c: the SMTP server's functions
  /rewrite_/,                              // rewrite_clnt.c
  /resolve_/,                              // resolve_clnt.c
  /ctable_/,                               // ctable.c: the client cache
  /rec_/,                                  // record.c: rec_get(), rec_put()
  /msg_/,                                  // msg.c
  /mymalloc/,                              // mymalloc.c
  /auto_clnt/,                             // auto_clnt.c
  /attr_/,                                 // attr_*.c
  /inet_/,                                 // inet_*.c: inet_connect(), inet_listen()
  /unix_/,                                 // unix_*.c: unix_connect()
  /open /,                                 // mail_open_ok(), dict_open: "open ..."
  /close /,                                // vstream / dict close notes
  /connect to subsystem/,                  // mail_connect.c
  /deliver_/,                              // deliver_request.c, deliver_pass.c
  /flush_/,                                // flush_clnt.c
  /cleanup_/,                              // cleanup/*.c: the cleanup daemon's functions
  /qmgr_/,                                 // qmgr/*.c: the queue manager's functions
  /transport_/,                            // qmgr_transport.c
  /lookup /,                               // dict_*.c: table lookup traces
  /extract_addr/,                          // cleanup_extract (extract_addr)
  /fsspace/,                               // fsspace.c
  /post_mail/,                             // post_mail.c
  /(?:rcpt|from) = /,                      // smtpd_check.c: envelope address traces
  /[a-z_]+ = /,                            // any -v program: a parameter's value
  /[\w/-]+ socket: wanted attribute/,      // attr_scan*.c
  /recipient limit/,                       // qmgr_message.c
  /[\w-]+ stream disconnect/,              // vstream.c / master: a client stream closed
  /(?:start|end) move queue/,              // qmgr_move.c
  /mynetworks: /,                          // mynetworks.c
  />>> .* <<</,                            // smtpd_check.c: restriction checks (">>> START Client host RESTRICTIONS <<<")
  /process generation/,                    // master single_server.c / multi_server.c
  /wakeup \S+ after/,                      // qmgr.c / pickup.c: a timer wakeup
  /Run-time linked/,                       // tls_misc.c tls_check_version()
  /Compiled against/,                      // tls_misc.c tls_check_version()
  /idle timeout/,                          // master single_server.c / multi_server.c
  /(?:before|after) \w+: /,                // cleanup_rewrite.c: an address before and after rewriting
  /connection closed/,                     // smtp_connect.c, auto_clnt.c
  /master disconnect/,                     // master *_server.c
  /host name lookup methods/,              // smtp_addr.c
  /initial envelope/,                      // cleanup_envelope.c
  /extracted envelope/,                    // cleanup_extracted.c
  /cleanup flags/,                         // cleanup_state.c / pickup.c
  /discarding EHLO keywords/,              // smtp_proto.c / smtpd.c: ehlo_discard_maps
  /pref +\d+ host/,                        // dns_lookup.c: MX preference traces
  /(?:begin|end) \S+ address list/,        // smtp_addr.c
  /connecting to \S+ port/,                // smtp_connect.c
]);

export function isDiagnostic(body: string): boolean {
  return DIAGNOSTIC.test(body) || VERBOSE.test(body);
}
