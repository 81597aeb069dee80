// Pieces shared by the Postfix daemon parsers: queue ids, client[ip], the trailing
// `from=<..> to=<..> proto=.. helo=<..>` of reject lines, and lines every daemon may write.
import type { Client } from '../events.ts';
import { maskQuoted } from '../address.ts';

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
const VERBOSE =
  /^(?:[a-z]+(?:_[a-z0-9]+)+(?:\[\d+\])?: |(?:send|input) attr(?:ibute)? |(?:private|public)\/[\w-]+ socket: |request(?: ignored|: )|done \w+ queue scan|(?:start|end) sorted recipient list|[<>] \S+: |name_mask: |connection established|event_|watchdog_|vstream_|dict_|match_|maps_|mail_|smtp_|smtpd_|rewrite_|resolve_|ctable_|rec_|msg_|mymalloc|auto_clnt|attr_|inet_|unix_|open |close |connect to subsystem|deliver_|flush_|cleanup_|qmgr_|transport_|lookup |extract_addr|fsspace|post_mail|(?:rcpt|from) = |[a-z_]+ = |[\w/-]+ socket: wanted attribute|recipient limit|[\w-]+ stream disconnect|(?:start|end) move queue|mynetworks: |>>> .* <<<|process generation|wakeup \S+ after|Run-time linked|Compiled against|idle timeout|(?:before|after) \w+: |connection closed|master disconnect|host name lookup methods|initial envelope|extracted envelope|cleanup flags|discarding EHLO keywords|pref +\d+ host|(?:begin|end) \S+ address list|connecting to \S+ port)/;

export function isDiagnostic(body: string): boolean {
  return DIAGNOSTIC.test(body) || VERBOSE.test(body);
}
