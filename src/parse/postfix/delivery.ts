// Delivery agents (smtp, lmtp, local, virtual, pipe, error, discard, retry; and qmgr's own
// deferrals): `to=<a>, [orig_to=<b>,] relay=R, ..., dsn=D, status=S (reason)`.
// Address-verification probes report deliverable/undeliverable and are kept apart.
import type { DeliveryStatus, MailEvent } from '../events.ts';
import { quoteAware } from '../address.ts';

// The reason's closing parenthesis may be missing when syslog cut a long line.
// Old and templated logs may drop the angle brackets.
// Quoted local parts (`to=<"x>y, z"@d>`) are read whole.
const DELIVERY = quoteAware(/^to=<?([^>,]*)>?,(?: orig_to=<?([^>,]*)>?,)? (.*?)\bstatus=([A-Za-z-]+)(?: \(?(.*?)\)?)?$/);
const RELAY = /(?:^|, )relay=([^,]*)/;
const DSN = /(?:^|, )dsn=(\d\.\d{1,3}\.\d{1,3})/;
/** Only an id of Postfix's own shape can be a re-queued copy of ours. */
const QUEUED_AS = /queued as ([0-9A-F]{5,12}|[0-9](?=[0-9A-Za-z]*z)[0-9A-Za-z]{7,20})\)?\s*$/;
const FORWARDED_AS = /^forwarded as ([0-9A-Za-z]{5,20})$/;
/** Relays on this machine: a filter there that answers "queued as X" re-queued into our queue. */
const LOCAL_RELAY = /^(?:[^[]*\[(?:127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)\](?::\d+)?|[^[]*\[\/[^\]]*\])$/;

const STATUSES: Record<string, DeliveryStatus> = {
  sent: 'sent',
  deferred: 'deferred',
  SOFTBOUNCE: 'deferred',
  bounced: 'bounced',
  expired: 'expired',
};

export function parseDelivery(qid: string, agent: string, rest: string): MailEvent | undefined {
  const m = DELIVERY(rest);
  if (!m) return undefined;
  const to = m[1]!;
  const middle = m[3]!;
  const word = m[4]!;
  const reason = m[5] ?? '';
  const relay = RELAY.exec(middle)?.[1];
  const dsn = DSN.exec(middle)?.[1];
  if (word === 'deliverable' || word.startsWith('undeliverable')) {
    return { kind: 'probe', qid, to, status: word, dsn, reason };
  }
  let status = STATUSES[word];
  if (!status) return undefined;
  if (agent === 'discard') status = 'discarded';
  const ev: Extract<MailEvent, { kind: 'delivery' }> = { kind: 'delivery', qid, agent, to, relay, dsn, status, reason };
  if (m[2] !== undefined) ev.origTo = m[2];
  if (status === 'sent') {
    const fwd = FORWARDED_AS.exec(reason);
    if (fwd) {
      ev.nextQid = fwd[1];
      ev.hop = 'forward';
    } else {
      // "queued as X": a filter on this machine re-queued it into our queue as X, or a remote
      // server named its own id. The tracker links X only when it is ours (see Tracker.link).
      const q = QUEUED_AS.exec(reason);
      if (q) {
        ev.nextQid = q[1];
        ev.hop = relay && LOCAL_RELAY.test(relay) ? 'filter' : 'remote';
      }
    }
  }
  return ev;
}
