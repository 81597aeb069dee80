// The shapes that cross the store boundary, whatever the backend: what ingest hands over to be
// written (records, positions, counters), and what each read query answers. The Store interface
// (store.ts) is written in these; the SQLite implementation (sqlite/) and any other must give
// exactly these shapes, which the contract suite (test/store/contract.test.ts) holds them to.
import type { Cause } from '../correlate/causes.ts';
import type { MessageRecord } from '../correlate/record.ts';
import type { RejectRow } from '../correlate/tracker.ts';

/** A time range [from, to) in ms since the epoch. */
export interface Period {
  from: number;
  to: number;
  /** Only this MTA host's rows (a fleet shares one database); every host when absent. */
  host?: string;
}

export type Mta = 'postfix' | 'exim';

// ---- writing -------------------------------------------------------------------------------

export interface LineCounts {
  total: number;
  mail: number;
  unknown: number;
  other: number;
}

/** One message as the correlator judged it, with what the store keeps beside the record. */
export interface MessageWrite {
  /** The store's id of this message when it was written before (from a WriteResult or a saved track). */
  id: number | undefined;
  record: MessageRecord;
  firstAt: number;
  lastAt: number;
  /** The sender's domain, lower-cased; null without a sender. */
  senderDomain: string | null;
  /** Non-delivery notifications (the record's `ndr` is the first). */
  ndrCount: number;
  delayBackscatter: number;
  /** The relay of each recipient, in the record's order. */
  relays: (string | null)[];
  /** Opaque correlator state while the message is open (JSON); null once it is done. */
  state: string | null;
  /** Raw log lines read since the last write, joined by newlines; null for none. */
  lines: string | null;
  /** Messages merged into this one (their ids): their lines move here, their rows go. */
  absorbed: number[];
  /** It came back from the spill: its spill rows go. */
  fromSpill: boolean;
  /** It leaves memory: its state is kept in the spill, found again by these queue ids or its deadline. */
  spill?: { deadline: number; qids: string[]; state: string };
}

/** An open message moved to the spill whose stored row is already up to date. */
export interface SpillOnly {
  id: number;
  host: string;
  deadline: number;
  qids: string[];
  state: string;
}

/** A message that turned out not to be one (abandoned): its rows go. */
export interface Dropped {
  id: number;
  fromSpill: boolean;
}

/** An SMTP-time reject as the correlator saw it, with its cause. */
export interface RejectWrite extends RejectRow {
  cause: Cause;
}

/**
 * A file's read position as committed with a batch. Structurally the inputs' Position (the
 * store imports nothing from src/inputs: it keeps what it is handed).
 */
export interface PositionWrite {
  fingerprint: string;
  fpLen: number;
  path: string;
  offset: number;
  lines: number;
  /** A shorter key of the same file, from before it grew: its row is replaced. */
  replaces?: string | undefined;
  dev?: number | undefined;
  ino?: number | undefined;
  birthMs?: number | undefined;
  size?: number | undefined;
  /** The year guesser's state at this position. */
  yearState?: number | undefined;
  /** serve: this is the live file of a followed path (`absent`: the path has none; no position is written). */
  checkpoint?: { path: string; since: number; absent?: boolean } | undefined;
  /** serve: lines a follower could not read, recorded with this position. */
  gaps?: GapWrite[] | undefined;
}

export interface GapWrite {
  path: string;
  file: string;
  reason: string;
  bytes: number;
  linesRead: number;
  did: string;
}

/**
 * Where a journal was read to: the last entry taken, by its sequence. `source` names the reader:
 * `journal` (this machine's), `journal:DIR`, or `journal-file` (files from another host).
 */
export interface JournalPosition {
  source: string;
  /** The cursor's `s=`: a journal sequence, kept across rotations. */
  seqnumId: string;
  /** The cursor's `i=`: grows by one per entry of the sequence. */
  seqnum: number;
  cursor: string;
  /** The entry's __REALTIME_TIMESTAMP (µs): the newest position is where reading resumes. */
  realtimeUs: number;
}

/** Everything one commit writes, in one transaction: all of it or nothing. */
export interface WriteBatch {
  /** Taken once, in order, inside the write's transaction (ingest judges each as it is taken). */
  messages: Iterable<MessageWrite>;
  spillOnly: SpillOnly[];
  dropped: Dropped[];
  rejects: RejectWrite[];
  /** Line counters by hour start (ms). */
  counts: Map<number, LineCounts>;
  unknownSamples: { program: string | null; line: string; at: number | null }[];
  learnedDomains: string[];
  positions: PositionWrite[];
  /** Journal positions reached by this batch (none when it read files only). */
  journal?: JournalPosition[];
  clock: { now: number; lastLineAt: number; lastTime: number | null };
}

/** The id of each message of the batch, in its order. */
export interface WriteResult {
  ids: number[];
}

/** An open message as saved: its id and the correlator's opaque state. */
export interface SavedMessage {
  id: number;
  state: string;
}

export interface IngestState {
  open: SavedMessage[];
  clock: { now: number; lastLineAt: number; lastTime: number | null } | undefined;
  learnedDomains: string[];
}

/**
 * The spill of open messages, read while lines are handled: synchronous by design (one look-up
 * per new queue id; an await per line would cost more than the look-up).
 */
export interface SpillReader {
  readonly size: number;
  take(host: string, qid: string): SavedMessage | undefined;
  due(now: number): SavedMessage[];
  /** After a batch is written: what it spilled is counted and known by its queue ids. */
  written(spilled: { host: string; qids: string[] }[]): void;
}

/** What was saved for one file: where reading stopped. */
export interface KnownFile {
  fingerprint: string;
  offset: number;
  fpLen: number;
  lines: number;
  yearState?: number;
}

export interface SavedCheckpoint {
  since: number;
  lookedAt: number;
  file?: KnownFile & { path: string; dev: number | null; ino: number | null; birthMs: number | null; size: number | null };
}

// ---- reading -------------------------------------------------------------------------------

export interface MessageFilter {
  backscatter?: boolean;
  /** Free text: sender or recipient address, queue id, message-id, client IP. */
  q?: string;
  client_ip?: string;
  sender_domain?: string;
  /** Recipient domain (with cause, of the same recipient). */
  domain?: string;
  recipient?: string;
  cause?: string;
  outcome?: string;
  mta?: string;
  /** The MTA host that logged the message. */
  host?: string;
}

export interface Counters {
  accepted: number;
  accepted_remote: number;
  rejected_at_smtp: number;
  delivered: number;
  deferred: number;
  bounced_after_accept: number;
  ndrs: number;
  /** Messages flagged backscatter. */
  backscatter: number;
  /** Their NDRs: every non-delivery notification (one per attempt that failed recipients). */
  backscatter_ndrs: number;
  /** Delay warnings sent to forged-looking senders (remote client, non-local sender domain). */
  backscatter_delay_warnings: number;
}

export const BUCKETS = { hour: 3_600_000, day: 86_400_000 } as const;
export type Bucket = keyof typeof BUCKETS;

export interface Point {
  t: string;
  delivered: number;
  rejected_at_smtp: number;
  bounced_after_accept: number;
  backscatter: number;
}

/** Unknown-recipient rejects that make a client a dictionary-scan suspect. */
export const SCAN_MIN_REJECTS = 3;

export const SOURCE_KINDS = ['client', 'local_domain', 'recipient', 'sender_domain', 'cause', 'scanner', 'host'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export interface MessageTrace {
  message: MessageRecord;
  lines: string[];
}

export interface Example {
  host: string;
  queue_id: string;
  /** null: the log names no address (see RecipientRecord). */
  recipient: string | null;
  reason: string;
}

/** One MTA host's share of a period (the overview's per-host split). */
export interface HostTotals {
  host: string;
  /** The MTAs that logged on this host, in name order (one, unless a host runs both). */
  mtas: Mta[];
  accepted: number;
  rejected_at_smtp: number;
  bounced_after_accept: number;
  ndrs: number;
  backscatter: number;
  backscatter_ndrs: number;
}

/** What one advice rule is about in a period, for one MTA on one host (one config per host). */
export interface AdviceGroup {
  mta: Mta;
  host: string;
  rule: string;
  /** Messages with a failed recipient of this rule (a message with two counts once). */
  messages: number;
  ndrs: number;
  backscatter: number;
  /** The smallest size limit a downstream announced in the recipients' reasons. */
  size_limit: number | null;
  examples: Example[];
  /** The five most frequent values of each kind, most frequent first. */
  domains: string[];
  recipients: string[];
  relays: string[];
  aliases: string[];
}

export interface Suspect {
  client_ip: string;
  client_name: string | null;
  unknown_recipient: number;
}

/** A refusal of our mail for a listing: its reply text and the relay that gave it. */
export interface Refusal {
  reason: string | null;
  relay: string | null;
  /** Whom the refused mail was for: the recipient, or the NDR's recipient (its domain is where we are refused). */
  to: string | null;
}

export interface RejectCount {
  cause: string;
  count: number;
}

/** The log evidence behind one audit finding. */
export interface AuditEvidence {
  /** Failed recipients of the period with this cause (accepted mail, this MTA only). */
  failed_recipients: number;
  messages: number;
  ndrs: number;
  backscatter: number;
  examples: Example[];
  /** dictionary_scan only: unknown-recipient rejects at SMTP time, and the busiest clients. */
  rejects?: number;
  clients?: string[];
}

export interface SentDigest {
  period: Period;
  sentAt: number;
  recipients: string[];
  transport: string;
  subject: string;
  messageId: string | null;
}

export interface DigestRow {
  period_from: number;
  period_to: number;
  sent_at: number;
  recipients: string;
  transport: string;
  subject: string;
  message_id: string | null;
}

/** Totals over everything stored, for /metrics. */
export interface MetricTotals {
  outcomes: { outcome: string; n: number }[];
  causes: { cause: string; n: number }[];
  backscatterNdrs: number;
  smtpRejects: number;
  lines: { mail: number; unknown: number; other: number };
  gaps: Record<string, number>;
}

// ---- alerts --------------------------------------------------------------------------------

/** An alert that starts firing (src/alerts/): what it is about and the evidence behind it. */
export interface AlertOpen {
  /** The rule that fired: backscatter, new_source, scan, refused_ndrs. */
  rule: string;
  /** What it is about within its rule: a host, a client network, a domain; one firing alert per (rule, key). */
  key: string;
  /** The MTA host it is about, when it is about one. */
  host: string | null;
  /** Log time (ms) of the window's end when it fired. */
  started_at: number;
  /** Wall-clock time (ms) it fired. */
  fired_at: number;
  /** One line, plain text (log strings inside it are not escaped: each channel escapes). */
  title: string;
  value: number;
  threshold: number;
  /** JSON: the window and the message filter of the evidence, and the figures (AlertEvidence). */
  evidence: string;
}

export interface AlertRow extends AlertOpen {
  id: number;
  state: 'firing' | 'resolved';
  /** Log time (ms) of the window's end when it no longer held. */
  resolved_at: number | null;
  /** Every channel took the firing (resolved) notification. */
  notified_firing: boolean;
  notified_resolved: boolean;
}

export interface AlertQuery {
  state?: 'firing' | 'resolved';
  /** Alerts that started in [from, to) (log time). */
  from?: number;
  to?: number;
  rule?: string;
  key?: string;
  /** Newest first; at most this many (default 100). */
  limit?: number;
}

// ---- blocklist watch -----------------------------------------------------------------------

/** One DNSBL check of one of our addresses at one list, as serve hands it to the store. */
export interface BlocklistCheck {
  address: string;
  zone: string;
  /** unknown: the check failed (timeout, SERVFAIL, the list refused our resolver): the last known status stays. */
  status: 'listed' | 'not_listed' | 'unknown';
  /** The list's answer (A records) and reasons (TXT), when listed. */
  codes: string[];
  reasons: string[];
  /** What the list says the code means, when known. */
  meaning: string | null;
  /** Why the check failed, when it did. */
  error: string | null;
  checked_at: number;
  /** The agent (serve) that checked. */
  agent: string;
}

/** What is known of one (address, list): its status since when, and the last check. */
export interface BlocklistRow {
  address: string;
  zone: string;
  /** unknown: no check has succeeded yet. */
  status: 'listed' | 'not_listed' | 'unknown';
  /** Wall-clock ms of the first check that found the present status. */
  since: number;
  checked_at: number;
  codes: string[];
  reasons: string[];
  meaning: string | null;
  /** The last check's error, null when it succeeded. */
  last_error: string | null;
  agent: string;
}
