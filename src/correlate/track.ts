// A trace is one message as the correlator knows it: every queue id it went through (hops, its
// NDRs), its origin and its recipients. Plain data, so it can be saved and loaded across runs.
import type { Client } from '../parse/events.ts';

export type Role = 'origin' | 'hop' | 'ndr' | 'double' | 'notice';

export interface QueueRef {
  qid: string;
  role: Role;
  removed: boolean;
  /** Log time of its `removed` line: a line about it in that same second is late, not a reuse. */
  removedAt?: number;
  /** False for an id named by another line ("queued as X") whose own lines are not seen yet. */
  seen: boolean;
}

/** 'hop' marks a recipient handed to a filter or forward whose next copy has not reported yet. */
export type RcptStatus = 'sent' | 'deferred' | 'bounced' | 'expired' | 'discarded' | 'pending' | 'hop';

export interface Rcpt {
  address: string;
  orig?: string;
  status: RcptStatus;
  dsn?: string;
  reason?: string;
  agent?: string;
  relay?: string;
  at: number;
}

/**
 * What a notification about a message tells: that recipients failed (an NDR), that delivery is
 * delayed, that it succeeded (a DSN the sender asked for), or a copy of an NDR to postmaster.
 */
export type NotificationType = 'non_delivery' | 'delay' | 'success' | 'postmaster_copy';

/** One notification the MTA sent about the message (the field keeps its old name, `ndrs`). */
export interface Ndr {
  qid: string;
  /** Absent: non_delivery (and every notification of a state saved before types). */
  type?: Exclude<NotificationType, 'non_delivery'>;
  rcpts: Rcpt[];
  /** A double bounce (postmaster notification about this NDR), or Exim froze / dropped it. */
  failed?: boolean;
  /** Exim: failed recipients (a cancellation counts one) when this NDR was made; the next NDR needs more. */
  failedSeen?: number;
}

export const notificationType = (n: Ndr): NotificationType => n.type ?? 'non_delivery';
export const isNdr = (n: Ndr): boolean => n.type === undefined;

export interface Track {
  /** Row id in the messages table once written. */
  row?: number;
  /** Rows of traces merged into this one, to be re-pointed at the next write. */
  absorbed?: number[];
  mta: 'postfix' | 'exim';
  host: string;
  qids: QueueRef[];
  messageId?: string;
  origin: 'smtp' | 'local' | 'unknown';
  firstAt: number;
  lastAt: number;
  client?: Client;
  helo?: string;
  saslUser?: string;
  sender?: string;
  nrcpt?: number;
  rcpts: Rcpt[];
  rejected?: { stage: string; dsn?: string; reason: string };
  discarded?: boolean;
  /** The queue lifetime ran out; recipients not yet final count as expired. */
  expired?: boolean;
  /** Exim system filter failed the whole message (reason); recipients may be unknown. */
  cancelled?: string;
  /** Address-verification probe, not mail. */
  probe?: boolean;
  /** Saw envelope or delivery lines: more than a client that went away. */
  queued?: boolean;
  /** Every notification about the message, in the order they were made (see Ndr). */
  ndrs: Ndr[];
  closedAt?: number;
  /** Set when this trace was merged into another (as a hop or NDR) and must not be written. */
  merged?: boolean;
  /** Raw lines not yet written. */
  lines: string[];
  /** Read back from the spill (see Tracker): its spill rows are deleted at its next write. */
  fromSpill?: boolean;
}

export function newTrack(mta: Track['mta'], host: string, qid: string, at: number): Track {
  return {
    mta, host, qids: [{ qid, role: 'origin', removed: false, seen: true }], origin: 'unknown',
    firstAt: at, lastAt: at, rcpts: [], ndrs: [], lines: [],
  };
}

/** Queue ids whose `removed` we wait for before the trace is done (notices do not hold it). */
export function isOpen(t: Track): boolean {
  return t.qids.some((q) => q.seen && !q.removed && q.role !== 'notice');
}

export function findRcpt(list: Rcpt[], address: string): Rcpt | undefined {
  const a = address.toLowerCase();
  return list.find((r) => r.address.toLowerCase() === a);
}
