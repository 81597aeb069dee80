// From a trace to the message record the product shows (`messages --json`): final recipient
// statuses after hops, one cause per failure, outcome, the NDR and its fate, backscatter.
// The definitions are mail-logs.md §7 and the README's; keep the three in step.
import { classify, type Cause } from './causes.ts';
import type { NetworkList } from './networks.ts';
import { isNdr, isOpen, notificationType, type Ndr, type NotificationType, type Rcpt, type Track } from './track.ts';

export type Outcome = 'delivered' | 'bounced_after_accept' | 'rejected_at_smtp' | 'discarded' | 'pending';
export type Fate = 'delivered' | 'deferred' | 'rejected' | 'undeliverable' | 'unknown';

export interface RecipientRecord {
  /** null: the log names no address (an Exim system filter failed a message whose arrival lists no recipients). */
  address: string | null;
  orig_address: string | null;
  status: 'sent' | 'deferred' | 'bounced' | 'expired' | 'discarded' | 'pending';
  dsn: string | null;
  cause: Cause | null;
  reason: string | null;
}

export interface MessageRecord {
  mta: 'postfix' | 'exim';
  host: string;
  queue_id: string;
  queue_ids: string[];
  message_id: string | null;
  origin: 'smtp' | 'local' | 'unknown';
  received_at: string;
  client_ip: string | null;
  client_name: string | null;
  helo: string | null;
  authenticated: boolean;
  remote: boolean;
  sender: string | null;
  recipients: RecipientRecord[];
  outcome: Outcome;
  /** The first non-delivery notification (NDR) of `notifications`. */
  ndr: { queue_id: string; to: string | null; fate: Fate } | null;
  /** Every notification the message caused, in the order they were made. */
  notifications: NotificationRecord[];
  backscatter: boolean;
}

export interface NotificationRecord {
  queue_id: string;
  type: NotificationType;
  to: string | null;
  fate: Fate;
  /** Why it failed (fate rejected or undeliverable), e.g. `listed` when a blocklist named us. */
  cause: Cause | null;
  reason: string | null;
}

export interface Judge {
  internal: NetworkList;
  isLocalDomain(domain: string): boolean;
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

function finalStatus(r: Rcpt, trace: Track): RecipientRecord['status'] {
  // Handed to a filter or forward whose next copy has not reported: pending while that copy
  // is still queued; once all is removed, the hand-off itself is the last word.
  if (r.status === 'hop') return isOpen(trace) ? 'pending' : 'sent';
  if (trace.expired && (r.status === 'deferred' || r.status === 'pending')) return 'expired';
  return r.status;
}

function recipientRecord(r: Rcpt, trace: Track): RecipientRecord {
  const status = finalStatus(r, trace);
  const failed = status === 'bounced' || status === 'expired';
  return {
    address: r.address,
    orig_address: r.orig ?? null,
    status,
    dsn: r.dsn ?? null,
    cause: failed ? classify({ status, dsn: r.dsn, reason: r.reason ?? '', origAddress: r.orig, agent: r.agent }) : null,
    reason: r.reason ?? null,
  };
}

function outcomeOf(trace: Track, rcpts: RecipientRecord[]): Outcome {
  if (trace.rejected) return 'rejected_at_smtp';
  const failedWhole = (trace.expired || trace.cancelled !== undefined) && rcpts.length === 0;
  if (rcpts.some((r) => r.status === 'bounced' || r.status === 'expired') || failedWhole) {
    return 'bounced_after_accept';
  }
  if (rcpts.some((r) => r.status === 'deferred' || r.status === 'pending')) return 'pending';
  if (isOpen(trace) && (rcpts.length === 0 || rcpts.length < (trace.nrcpt ?? 0))) return 'pending';
  if (trace.discarded || (rcpts.length > 0 && rcpts.every((r) => r.status === 'discarded'))) return 'discarded';
  if (rcpts.length === 0) return isOpen(trace) ? 'pending' : 'discarded';
  return 'delivered';
}

/** The failure of a notification that failed, classified as a recipient's would be. */
function failureOf(n: Ndr): Pick<NotificationRecord, 'cause' | 'reason'> {
  const failed = n.rcpts.find((r) => r.status === 'bounced' || r.status === 'expired');
  if (!failed) return { cause: null, reason: null };
  return { cause: classify({ status: failed.status, dsn: failed.dsn, reason: failed.reason ?? '' }), reason: failed.reason ?? null };
}

/** What became of an NDR, from its own delivery lines. */
export function fateOf(ndr: Ndr): Fate {
  const last = ndr.rcpts;
  // Handed on by a filter: for the NDR, that is as far as our log follows it.
  if (last.some((r) => r.status === 'sent' || r.status === 'hop')) return 'delivered';
  const failed = last.find((r) => r.status === 'bounced' || r.status === 'expired');
  if (failed) {
    // A remote server answered and refused it ("host X said: 550 ..."): evidence of a forged sender.
    return failed.status === 'bounced' && /\bsaid:|refused to talk to me|SMTP error from remote/i.test(failed.reason ?? '')
      ? 'rejected'
      : 'undeliverable';
  }
  if (ndr.failed) return 'undeliverable';
  if (last.length > 0) return 'deferred';
  return 'unknown';
}

/**
 * An Exim system filter failed the whole message but the log lists none of its recipients
 * (Exim's default log_selector has no +received_recipients, and no `**` line follows): one
 * failed recipient of unknown address carries the cause, so content_rejected is counted.
 */
function cancelledUnnamed(trace: Track, rcpts: RecipientRecord[]): RecipientRecord[] {
  if (trace.cancelled === undefined || rcpts.some((r) => r.status === 'bounced' || r.status === 'expired')) return [];
  // The filter's `fail` is a judgement on content, whatever words its text uses.
  return [{ address: null, orig_address: null, status: 'bounced', dsn: null, cause: 'content_rejected', reason: trace.cancelled }];
}

/** Remote client, sender outside the local domains: whom a notification to the sender may hit. */
function forgedLooking(rec: Pick<MessageRecord, 'remote' | 'sender'>, judge: Judge): boolean {
  return rec.remote && !!rec.sender && !judge.isLocalDomain(domainOf(rec.sender));
}

/** Delay warnings sent to a forged-looking sender: backscatter of a milder kind, counted apart. */
export function delayBackscatter(rec: MessageRecord, judge: Judge): number {
  return forgedLooking(rec, judge) ? rec.notifications.filter((n) => n.type === 'delay').length : 0;
}

export function recordOf(trace: Track, judge: Judge): MessageRecord {
  const named = trace.rcpts.map((r) => recipientRecord(r, trace));
  const rcpts = [...named, ...cancelledUnnamed(trace, named)];
  const outcome = outcomeOf(trace, rcpts);
  const authenticated = trace.saslUser !== undefined;
  const remote =
    trace.origin === 'smtp' && !authenticated && trace.client !== undefined && !judge.internal.contains(trace.client.ip);
  // About a null-sender message, postmaster's notification is its double bounce, not a copy of
  // an NDR: not listed, whichever order the bounce and the envelope lines came in.
  const listed = trace.sender === '' ? trace.ndrs.filter((n) => n.type !== 'postmaster_copy') : trace.ndrs;
  const notifications = listed.map((n): NotificationRecord => ({
    queue_id: n.qid,
    type: notificationType(n),
    // Postmaster's copy goes to postmaster, not to the sender: unknown until delivered.
    to: n.rcpts[0]?.address ?? (n.type === 'postmaster_copy' ? null : trace.sender ?? null),
    fate: fateOf(n),
    ...failureOf(n),
  }));
  const firstNdr = listed.findIndex(isNdr);
  const ndr = firstNdr < 0 ? null : { queue_id: notifications[firstNdr]!.queue_id, to: notifications[firstNdr]!.to, fate: notifications[firstNdr]!.fate };
  const sender = trace.sender ?? null;
  const backscatter = outcome === 'bounced_after_accept' && ndr !== null && forgedLooking({ remote, sender }, judge);
  return {
    mta: trace.mta,
    host: trace.host,
    queue_id: trace.qids[0]!.qid,
    queue_ids: trace.qids.filter((q) => q.role === 'origin' || q.role === 'hop').map((q) => q.qid),
    message_id: trace.messageId ?? null,
    origin: trace.origin,
    received_at: new Date(trace.firstAt).toISOString(),
    client_ip: trace.client?.ip ?? null,
    client_name: trace.client?.name ?? null,
    helo: trace.helo ?? null,
    authenticated,
    remote,
    sender,
    recipients: rcpts,
    outcome,
    ndr,
    notifications,
    backscatter,
  };
}
