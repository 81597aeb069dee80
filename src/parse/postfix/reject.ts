// Policy actions logged by smtpd, postscreen and cleanup: `reject`, `milter-reject`,
// `reject_warning`, `discard`, `hold`, ... at an SMTP stage (CONNECT ... END-OF-MESSAGE) or on a
// header/body check. Shapes from smtpd_check.c (log_whatsup), cleanup_milter.c, postscreen.
import type { MailEvent } from '../events.ts';
import { quoteAware } from '../address.ts';
import { envelopeCut, parseClient, parseEnvelope, parseReply, type Envelope } from './common.ts';

type Action = Extract<MailEvent, { kind: 'reject' }>['action'];
type By = Extract<MailEvent, { kind: 'reject' }>['by'];

const ACTIONS: Record<string, Action> = {
  reject: 'reject',
  // A before-queue filter (smtpd_proxy_filter) refused the message: the client got its 5xx.
  'proxy-reject': 'reject',
  'milter-reject': 'milter-reject',
  reject_warning: 'reject_warning',
  discard: 'discard',
  'milter-discard': 'discard',
  hold: 'hold',
  'milter-hold': 'hold',
  filter: 'filter',
  redirect: 'redirect',
  warn: 'warn',
};

/** `ACTION: STAGE from CLIENT: TEXT; from=<..> to=<..> ...` */
const SMTP_STAGE = /^([a-z_-]+): ([A-Z][A-Z-]*) from (\S*?\[[^\]]*\](?::\d+)?): (.*)$/;
/** cleanup: `ACTION: header|body TEXT from CLIENT|local; from=<..> ...: TEXT` */
const CONTENT = quoteAware(/^([a-z_-]+): (header|body|content|mime-header|nested-header|END-OF-MESSAGE) (.*) from (\S+); (from=.*?)(?:: (.*))?$/);
/** smtpd_proxy_filter (before-queue filter) verdicts: `proxy-reject: END-OF-MESSAGE: 554 ...; from=<..> ...` */
const PROXY = /^proxy-reject: ([A-Z-]+): (.*)$/;

/** `TEXT; from=<..> to=<..> ...` apart: the reply text, and the envelope after it. */
function reasonAndEnvelope(text: string): { reason: string; env: Envelope } {
  const cut = envelopeCut(text);
  return cut < 0 ? { reason: text, env: {} } : { reason: text.slice(0, cut), env: parseEnvelope(text.slice(cut + 2)) };
}

export function parseAction(rest: string, qid: string | undefined, by: By): MailEvent | undefined {
  let m = SMTP_STAGE.exec(rest);
  if (m) {
    const action = ACTIONS[m[1]!];
    if (!action) return undefined;
    const { reason, env } = reasonAndEnvelope(m[4]!);
    const reply = parseReply(reason);
    const client = parseClient(m[3]!);
    return {
      kind: 'reject', qid, action, stage: m[2]!, by, reason, ...reply,
      ...(client ? { client } : {}), from: env.from, to: env.to, helo: env.helo,
    };
  }
  m = PROXY.exec(rest);
  if (m) {
    const { reason, env } = reasonAndEnvelope(m[2]!);
    return { kind: 'reject', qid, action: 'reject', stage: m[1]!, by, reason, ...parseReply(reason), from: env.from, to: env.to, helo: env.helo };
  }
  const c = CONTENT(rest);
  if (c) {
    const action = ACTIONS[c[1]!];
    if (!action) return undefined;
    const env = parseEnvelope(c[5]!);
    const reason = c[6] ?? c[3]!;
    const client = c[4] === 'local' ? undefined : parseClient(c[4]!);
    return {
      kind: 'reject', qid, action, stage: c[2]!.toUpperCase(), by, reason, ...parseReply(reason),
      ...(client ? { client } : {}), from: env.from, to: env.to, helo: env.helo,
    };
  }
  return undefined;
}
