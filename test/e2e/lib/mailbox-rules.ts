// Per-recipient behaviours for a ScriptedSmtpServer: the answers the scenarios need (accept,
// unknown user, mailbox full, too big at end of DATA, greylist once, always 4xx, policy refusal).
import type { Session, SmtpReply, SmtpScript } from './smtp-server.ts';

export type Behavior =
  | 'accept'
  | 'unknown' // 550 5.1.1 at RCPT
  | 'full' // 552 5.2.2 at RCPT
  | 'policy' // 554 5.7.1 at RCPT
  | 'tempfail' // 451 4.3.0 at every RCPT (the message sits in the queue until it expires)
  | 'greylist' // 450 4.7.1 on the first try of a (sender, recipient) pair, then accept
  | { maxSize: number } // accept at RCPT, 552 5.3.4 at end of DATA when larger
  | { tempfailTimes: number }; // 451 4.3.0 to the first N tries of the address, then 550 5.1.1

export interface Rule {
  match: RegExp;
  behavior: Behavior;
}

export function rcptReply(behavior: Behavior, address: string, s: Session, seen: Set<string>, tries = new Map<string, number>()): SmtpReply {
  if (typeof behavior === 'object' && 'tempfailTimes' in behavior) {
    // Deferred in the first attempts, refused in a later one: a bounce per attempt that failed.
    const n = (tries.get(address) ?? 0) + 1;
    tries.set(address, n);
    return n <= behavior.tempfailTimes
      ? { code: 451, text: `4.3.0 <${address}>: Temporary lookup failure` }
      : { code: 550, text: `5.1.1 <${address}>: Recipient address rejected: User unknown in virtual mailbox table` };
  }
  switch (behavior) {
    case 'unknown':
      return { code: 550, text: `5.1.1 <${address}>: Recipient address rejected: User unknown in virtual mailbox table` };
    case 'full':
      return { code: 552, text: `5.2.2 <${address}>: Recipient address rejected: Mailbox is full (quota exceeded)` };
    case 'policy':
      return { code: 554, text: `5.7.1 <${address}>: Recipient address rejected: Access denied` };
    case 'tempfail':
      return { code: 451, text: `4.3.0 <${address}>: Temporary lookup failure` };
    case 'greylist': {
      const key = `${s.mailFrom ?? ''}|${address}`;
      if (!seen.has(key)) {
        seen.add(key);
        return { code: 450, text: `4.7.1 <${address}>: Recipient address rejected: Greylisted, please try again later` };
      }
      return { code: 250, text: '2.1.5 Ok' };
    }
    default:
      return { code: 250, text: '2.1.5 Ok' };
  }
}

/** A mailbox-server script: the first rule whose pattern matches the recipient decides. */
export function mailboxScript(hostname: string, rules: Rule[], opts: { fallback?: Behavior; sizeLimit?: number } = {}): SmtpScript {
  const fallback = opts.fallback ?? 'accept';
  const greylisted = new Set<string>();
  const tries = new Map<string, number>();
  const behaviorOf = (address: string): Behavior =>
    rules.find((r) => r.match.test(address))?.behavior ?? fallback;
  let ids = 0;
  return {
    hostname,
    keepData: true,
    ...(opts.sizeLimit !== undefined ? { sizeLimit: opts.sizeLimit } : {}),
    rcpt: (address, s) => rcptReply(behaviorOf(address), address, s, greylisted, tries),
    data: (s, data) => {
      const size = Buffer.byteLength(data, 'latin1');
      for (const a of s.accepted) {
        const b = behaviorOf(a);
        if (typeof b === 'object' && 'maxSize' in b && size > b.maxSize) {
          return { code: 552, text: `5.3.4 Message size exceeds fixed maximum message size (${size} > ${b.maxSize})` };
        }
      }
      ids += 1;
      return { code: 250, text: `2.0.0 Ok: queued as ${hostname.split('.')[0]?.toUpperCase() ?? 'Q'}${String(ids).padStart(5, '0')}` };
    },
  };
}
