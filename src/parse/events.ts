// The typed events the parsers produce and the correlator consumes. One union, one place:
// adding a kind of line means adding a member here, then a parser rule and a tracker case.

/** Where a line came from, after the syslog or mainlog prefix has been taken off. */
export interface LineHead {
  /** Log time in ms since the epoch. */
  time: number;
  /** Host that wrote the line; queue ids are only unique per host. */
  host: string;
  /** Full program name as logged, e.g. `postfix-out/smtp`, `exim`. */
  program: string;
  /** Last path part of the program: the Postfix daemon (`smtpd`), or `exim`. */
  daemon: string;
  /** Text after `program[pid]: `. */
  body: string;
}

export type DeliveryStatus = 'sent' | 'deferred' | 'bounced' | 'expired' | 'discarded';

export interface Client {
  name: string;
  ip: string;
}

export type MailEvent =
  /** A message got a queue id from an SMTP session (smtpd `client=`, Exim `<=` with H=). */
  | {
      kind: 'client';
      qid: string;
      client: Client;
      helo?: string;
      saslUser?: string;
      saslMethod?: string;
      /** XFORWARD from a filter: the queue id this copy came from (a hop). */
      origQid?: string;
      /** XFORWARD from a filter (before-queue proxy or after-queue): the client the filter got the mail from. */
      origClient?: Client;
    }
  /** A message submitted locally (Postfix pickup, Exim P=local). */
  | { kind: 'pickup'; qid: string; uid?: string; sender?: string }
  | { kind: 'message_id'; qid: string; messageId: string }
  /** Queue manager learnt the envelope sender (Postfix qmgr from=, Exim `<=`). */
  | { kind: 'envelope'; qid: string; sender: string; size?: number; nrcpt?: number }
  /** Queue lifetime exceeded, returned to sender. */
  | { kind: 'expired'; qid: string; sender: string; reason?: string }
  /** The queue file is gone (Postfix `removed`, Exim `Completed`): the queue id may be reused. */
  | { kind: 'removed'; qid: string }
  | {
      kind: 'delivery';
      qid: string;
      agent: string;
      to: string;
      origTo?: string;
      relay?: string;
      dsn?: string;
      status: DeliveryStatus;
      reason: string;
      /** Set when the delivery handed the message to a filter or forward that re-queued it. */
      nextQid?: string;
      hop?: 'filter' | 'forward' | 'remote';
    }
  /** Address-verification probe result: not a delivery. */
  | { kind: 'probe'; qid: string; to: string; status: string; dsn?: string; reason: string }
  /** postfix/bounce made a notification message `newQid` about `qid`. */
  | { kind: 'notification'; qid: string; type: 'sender_ndr' | 'postmaster_ndr' | 'delay' | 'success'; newQid: string }
  /** Exim arrival `<=`: origin, sender and message id in one line; an NDR names its original (R=). */
  | {
      kind: 'arrival';
      qid: string;
      sender: string;
      proto?: string;
      size?: number;
      client?: Client;
      helo?: string;
      messageId?: string;
      authUser?: string;
      localUser?: string;
      ndrOf?: string;
      /** T= (log_selector +subject). */
      subject?: string;
      recipients?: string[];
    }
  /** Exim: a message failed for content before delivery (system filter). */
  | { kind: 'cancelled'; qid: string; reason: string }
  /** Exim: an NDR could not be delivered and was frozen, or later dropped. */
  | { kind: 'frozen'; qid: string; dropped: boolean; reason: string }
  | {
      kind: 'reject';
      /** Absent for NOQUEUE (no queue file was ever made). */
      qid?: string;
      action: 'reject' | 'milter-reject' | 'reject_warning' | 'discard' | 'hold' | 'filter' | 'redirect' | 'warn';
      stage: string;
      by: 'smtpd' | 'cleanup' | 'postscreen' | 'exim';
      client?: Client;
      code?: string;
      dsn?: string;
      reason: string;
      from?: string;
      to?: string;
      helo?: string;
    };

/** What one log line turned out to be, for the line counters. */
export type LineClass = 'mail' | 'unknown' | 'other';

export interface ParsedLine {
  /** Absent when the line has no prefix we know (it is then 'unknown'). */
  head?: LineHead;
  cls: LineClass;
  event?: MailEvent;
}
