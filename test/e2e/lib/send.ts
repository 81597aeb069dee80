// Sends every scenario message to its listener (or as a local submission) and keeps the SMTP
// replies, which the self-check (verify.ts) compares with the design.
import type { MtaInstance } from './mta.ts';
import { buildMessage } from './message.ts';
import type { ScenarioMessage } from './scenario.ts';
import { sendMail, type SendResult } from './smtp-client.ts';

export interface Sent {
  msg: ScenarioMessage;
  result: SendResult | null; // null for a local submission
  error: string | null;
}

export async function sendScenario(mta: MtaInstance, msg: ScenarioMessage): Promise<Sent> {
  const t = msg.truth;
  const data = buildMessage({
    messageId: t.message_id,
    from: t.sender,
    to: msg.rcpts,
    subject: `bouncewatch e2e ${t.scenario}`,
    ...(msg.body !== undefined ? { body: msg.body } : {}),
    ...(msg.padBytes !== undefined ? { padBytes: msg.padBytes } : {}),
  });
  try {
    if (t.listener === 'pickup') {
      await mta.submitLocal(t.sender, msg.rcpts, data);
      return { msg, result: null, error: null };
    }
    const ep = mta.listeners[t.listener];
    if (!ep) throw new Error(`no ${t.listener} listener in the ${mta.label} harness`);
    const result = await sendMail({
      host: ep.ip,
      port: ep.port,
      localAddress: t.client_ip ?? undefined,
      helo: t.helo ?? 'localhost',
      mailFrom: t.sender,
      rcpts: msg.rcpts,
      data,
    });
    return { msg, result, error: null };
  } catch (e) {
    return { msg, result: null, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * One session at a time per lane, in scenario order, so the log stays readable. The strict
 * twin gets its own lane: its recipient verification (Postfix's probes, Exim's callouts) makes
 * it wait seconds per RCPT.
 */
export async function sendAll(mta: MtaInstance, msgs: ScenarioMessage[]): Promise<Sent[]> {
  const lane = async (list: ScenarioMessage[]): Promise<Sent[]> => {
    const out: Sent[] = [];
    for (const m of list) out.push(await sendScenario(mta, m));
    return out;
  };
  const strict = msgs.filter((m) => m.truth.listener === 'strict');
  const [a, b] = await Promise.all([lane(msgs.filter((m) => m.truth.listener !== 'strict')), lane(strict)]);
  return [...a, ...b];
}
