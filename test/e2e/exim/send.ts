// Sends every scenario message to its listener (or as a local submission) and keeps the SMTP
// replies, which the self-check compares with the design.
import { buildMessage } from '../lib/message.ts';
import { sendMail, type SendResult } from '../lib/smtp-client.ts';
import type { EximDirs } from './config.ts';
import { submitLocal } from './exim-ctl.ts';
import type { ScenarioMessage } from './scenarios.ts';
import { LISTEN } from './topology.ts';

export interface Sent {
  msg: ScenarioMessage;
  result: SendResult | null; // null for a local submission
  error: string | null;
}

export async function sendScenario(d: EximDirs, msg: ScenarioMessage): Promise<Sent> {
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
      await submitLocal(d, t.sender, msg.rcpts, data);
      return { msg, result: null, error: null };
    }
    if (t.listener !== 'open' && t.listener !== 'strict') throw new Error(`no ${t.listener} listener in the Exim harness`);
    const ep = LISTEN[t.listener];
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

/** One session at a time per listener, in scenario order, so the log stays readable. */
export async function sendAll(d: EximDirs, msgs: ScenarioMessage[]): Promise<Sent[]> {
  const lane = async (list: ScenarioMessage[]): Promise<Sent[]> => {
    const out: Sent[] = [];
    for (const m of list) out.push(await sendScenario(d, m));
    return out;
  };
  const strict = msgs.filter((m) => m.truth.listener === 'strict');
  const [a, b] = await Promise.all([lane(msgs.filter((m) => m.truth.listener !== 'strict')), lane(strict)]);
  return [...a, ...b];
}
