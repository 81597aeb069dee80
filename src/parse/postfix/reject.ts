// Policy actions logged by smtpd, postscreen and cleanup: `reject`, `milter-reject`,
// `reject_warning`, `discard`, `hold`, ... at an SMTP stage (CONNECT ... END-OF-MESSAGE) or on a
// header/body check. Shapes from smtpd_check.c (log_whatsup), cleanup_milter.c, postscreen.
import type { MailEvent } from '../events.ts';
import { parseClient, parseEnvelope, parseReply } from './common.ts';

type Action = Extract<MailEvent, { kind: 'reject' }>['action'];
type By = Extract<MailEvent, { kind: 'reject' }>['by'];

const ACTIONS: Record<string, Action> = {
  reject: 'reject',
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
const CONTENT = /^([a-z_-]+): (header|body|content|mime-header|nested-header|END-OF-MESSAGE) (.*) from (\S+); (from=.*?)(?:: (.*))?$/;
/** smtpd_proxy_filter (before-queue filter) verdicts: `proxy-reject: END-OF-MESSAGE: 554 ...; from=<..> ...` */
const PROXY = /^proxy-reject: ([A-Z-]+): (.*)$/;

export function parseAction(rest: string, qid: string | undefined, by: By): MailEvent | undefined {
  let m = SMTP_STAGE.exec(rest);
  if (m) {
    const action = ACTIONS[m[1]!];
    if (!action) return undefined;
    const text = m[4]!;
    const cut = text.lastIndexOf('; from=');
    const reason = cut >= 0 ? text.slice(0, cut) : text;
    const env = cut >= 0 ? parseEnvelope(text.slice(cut + 2)) : {};
    const reply = parseReply(reason);
    const client = parseClient(m[3]!);
    return {
      kind: 'reject', qid, action, stage: m[2]!, by, reason, ...reply,
      ...(client ? { client } : {}), from: env.from, to: env.to, helo: env.helo,
    };
  }
  m = PROXY.exec(rest);
  if (m) {
    const text = m[2]!;
    const cut = text.lastIndexOf('; from=');
    const reason = cut >= 0 ? text.slice(0, cut) : text;
    const env = cut >= 0 ? parseEnvelope(text.slice(cut + 2)) : {};
    return { kind: 'reject', qid, action: 'reject', stage: m[1]!, by, reason, ...parseReply(reason), from: env.from, to: env.to, helo: env.helo };
  }
  m = CONTENT.exec(rest);
  if (m) {
    const action = ACTIONS[m[1]!];
    if (!action) return undefined;
    const env = parseEnvelope(m[5]!);
    const reason = m[6] ?? m[3]!;
    const client = m[4] === 'local' ? undefined : parseClient(m[4]!);
    return {
      kind: 'reject', qid, action, stage: m[2]!.toUpperCase(), by, reason, ...parseReply(reason),
      ...(client ? { client } : {}), from: env.from, to: env.to, helo: env.helo,
    };
  }
  return undefined;
}
