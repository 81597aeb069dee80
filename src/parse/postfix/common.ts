// Pieces shared by the Postfix daemon parsers: queue ids, client[ip], the trailing
// `from=<..> to=<..> proto=.. helo=<..>` of reject lines, and lines every daemon may write.
import type { Client } from '../events.ts';

/** `QID: rest`: short hex ids, or long ids (enable_long_queue_ids). Keywords are not ids. */
const QID_HEAD = /^([0-9A-F]{5,12}|[0-9A-Za-z]{10,20}): (.*)$/;
const NOT_QIDS = new Set(['warning', 'statistics', 'Anonymous', 'Untrusted', 'Verified']);

export function splitQid(body: string): [qid: string, rest: string] | undefined {
  const m = QID_HEAD.exec(body);
  if (!m || NOT_QIDS.has(m[1]!)) return undefined;
  return [m[1]!, m[2]!];
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

/** Reads `from=<a> to=<b> proto=ESMTP helo=<h>` (smtpd) or the comma form of postscreen. */
export function parseEnvelope(text: string): Envelope {
  const env: Envelope = {};
  const re = /(from|to|proto|helo)=(?:<([^>]*)>|([^\s,;]*))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const key = m[1] as keyof Envelope;
    if (env[key] === undefined) env[key] = m[2] ?? m[3] ?? '';
  }
  return env;
}

const REPLY = /^(\d{3})(?:[ -](\d\.\d{1,3}\.\d{1,3}))?\b/;

/** The SMTP reply code and enhanced status at the start of a reject text. */
export function parseReply(text: string): { code?: string; dsn?: string } {
  const m = REPLY.exec(text);
  return m ? { code: m[1], dsn: m[2] } : {};
}

/** Diagnostics any Postfix program writes; understood, not about one message's fate. */
const DIAGNOSTIC = /^(?:warning|fatal|panic|error|statistics|info|daemon started|reload|terminating|stopping|starting|refreshing|using backwards-compatible|Postfix is|mail system|The Postfix|postfix\/|hint:)/;

export function isDiagnostic(body: string): boolean {
  return DIAGNOSTIC.test(body);
}
