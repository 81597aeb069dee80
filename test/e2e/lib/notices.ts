// What reached the forged senders' MX about each scenario message: every notification (NDR or
// delay warning, told apart by the subject Postfix and Exim give them), grouped by its own
// Message-ID across retries, in the order they first arrived. Ground truth for the scenarios
// whose delay warnings depend on timing (Postfix's delay_warning_time is server-wide).
import type { Transaction } from './smtp-server.ts';
import type { NdrFate, TruthMessage } from './truth.ts';

type Notice = NonNullable<TruthMessage['expect_notifications']>[number];

/** Postfix "Delayed Mail (still being retried)", Exim "Warning: message X delayed ...". */
const DELAY = /^Subject: (?:Delayed Mail\b|Warning: message \S+ delayed\b)/im;
export const code = (reply: string | null): number => Number((reply ?? '').slice(0, 3));

/** A delay warning, not an NDR (by the subject each MTA gives it). */
export const isDelayNotice = (x: Transaction): boolean => DELAY.test(x.data ?? '');

export function noticesSeen(t: TruthMessage, received: Transaction[]): Notice[] {
  const byId = new Map<string, Transaction[]>();
  for (const x of received) {
    if (x.mailFrom !== '' || !x.rcpts.some((r) => r.address === t.sender) || !(x.data ?? '').includes(`<${t.message_id}>`)) continue;
    const k = x.messageId ?? x.at;
    byId.set(k, [...(byId.get(k) ?? []), x]);
  }
  return [...byId.values()].map((tries) => {
    const last = tries[tries.length - 1]!;
    const refused = tries.some((x) => x.rcpts.some((r) => r.address === t.sender && code(r.reply) >= 500));
    const fate: NdrFate = last.accepted.includes(t.sender) && code(last.dataReply) === 250 ? 'delivered' : refused ? 'rejected' : 'deferred';
    return { type: isDelayNotice(last) ? 'delay' : 'non_delivery', fate } satisfies Notice;
  });
}

/**
 * The truth's notifications from what the MX received, where a delay warning was among them
 * (the timing decided it) or the scenario designed several; a designed list that reality did
 * not follow is a problem of the run.
 */
export function settleNotices(msgs: TruthMessage[], received: Transaction[]): { messages: TruthMessage[]; problems: string[] } {
  const problems: string[] = [];
  const show = (l: Notice[]) => l.map((n) => `${n.type}/${n.fate}`).join(', ');
  const messages = msgs.map((t) => {
    if (t.sender === '') return t;
    const seen = noticesSeen(t, received);
    if (t.expect_notifications) {
      if (show(seen) !== show(t.expect_notifications)) problems.push(`${t.message_id}: notifications seen ${show(seen) || 'none'}, designed ${show(t.expect_notifications)}`);
      return t;
    }
    return seen.some((n) => n.type === 'delay') ? { ...t, expect_notifications: seen } : t;
  });
  return { messages, problems };
}
