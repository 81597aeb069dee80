// The store boundary: everything bouncewatch keeps goes in and out through this interface, and
// nothing else touches a database. SQLite (sqlite/) is the embedded implementation; a network
// database implements the same interface and passes the same contract suite
// (test/store/contract.test.ts). Methods are async where a network database must wait; the
// spill reader stays synchronous (see docs/decisions/0003-store-interface.md).
import type { MessageRecord } from '../correlate/record.ts';
import type {
  AdviceGroup, AlertOpen, AlertQuery, AlertRow, AuditEvidence, BlocklistCheck, BlocklistRow, Bucket, Counters, DigestRow, HostTotals, IngestState, JournalPosition, KnownFile, LineCounts, MessageFilter, MessageTrace,
  MetricTotals, Mta, Period, Point, Refusal, RejectCount, SavedCheckpoint, SentDigest, SourceKind, SpillReader, Suspect,
  WriteBatch, WriteResult,
} from './types.ts';

/** Another writer holds the database past the wait: nothing was written; try the same batch again. */
export class StoreBusyError extends Error {
  constructor(cause: unknown) {
    super('the database is busy: another process is writing', { cause });
  }
}

/** The database cannot be reached (down, restarting, network): nothing was written; try the same batch again. */
export class StoreUnavailableError extends StoreBusyError {
  constructor(cause: unknown) {
    super(cause);
    this.message = `the database cannot be reached: ${(cause as Error).message}`;
  }
}

export interface Store {
  /** Where it is (a file path, or a URL without its password), for messages and /healthz. */
  readonly location: string;

  // ---- ingest ----
  /** Open messages saved by the last run, its clocks and the local domains it learnt. */
  ingestState(): Promise<IngestState>;
  /** The spill of open messages moved out of memory. */
  spill(): SpillReader;
  /** Writes a batch in one transaction, positions with rows. Throws StoreBusyError when another writer holds on. */
  write(batch: WriteBatch): Promise<WriteResult>;
  /** Every file read before (with content), to be matched by its head. */
  knownFiles(): Promise<KnownFile[]>;
  /** The checkpoint serve last committed for a followed path. */
  checkpoint(path: string): Promise<SavedCheckpoint | undefined>;
  /** Every journal position committed, newest first. */
  journalPositions(): Promise<JournalPosition[]>;
  /** Brings the derived hourly rollups up to date; returns the hours rebuilt. */
  refreshRollups(): Promise<number>;
  /** Deletes what is older than `days` before the newest stored log time (open messages stay). */
  retain(days: number, now?: number): Promise<{ messages: number; rejects: number }>;

  // ---- reading ----
  /**
   * The period the data covers, narrowed by what the caller gave. With `host`, only that host's
   * rows: its default bounds are that host's data, and every read of it sees that host alone.
   */
  period(from?: number, to?: number, host?: string): Promise<Period>;
  messageCount(): Promise<number>;
  lineTotals(p: Period): Promise<LineCounts>;
  counters(p: Period): Promise<Counters>;
  /** Failed recipients by cause, most first. */
  causes(p: Period): Promise<Record<string, number>>;
  /** Backscatter NDRs by fate, most first. */
  backscatterFates(p: Period): Promise<Record<string, number>>;
  timeseries(p: Period, bucket: Bucket): Promise<Point[]>;
  sources(p: Period, kind: SourceKind, limit?: number): Promise<Record<string, unknown>[]>;
  /** Messages in the period in the order they arrived; `page` for the API's paging. */
  messages(p: Period, f?: MessageFilter, page?: { limit: number; offset: number }): AsyncIterable<MessageRecord>;
  countMessages(p: Period, f?: MessageFilter): Promise<{ total: number; capped: boolean }>;
  messageTrace(host: string, qid: string): Promise<MessageTrace | undefined>;
  adviceGroups(p: Period): Promise<AdviceGroup[]>;
  scanSuspects(p: Period, mta: Mta): Promise<Suspect[]>;
  /** Our mail (recipients and notifications) refused for a listing, for one MTA. */
  listedRefusals(p: Period, mta: Mta): Promise<Refusal[]>;
  /** SMTP-time rejects by cause, most first. */
  rejectCauses(p: Period): Promise<RejectCount[]>;
  /** The reply texts of SMTP-time rejects of cause `listed`. */
  listedRejectReasons(p: Period): Promise<string[]>;
  auditEvidence(p: Period, mta: Mta, cause: string, domains?: string[]): Promise<AuditEvidence>;
  /** The hosts that logged the period's mail. */
  hosts(p: Period): Promise<string[]>;
  /** Each host's counters in the period, by host name. */
  hostTotals(p: Period): Promise<HostTotals[]>;
  recordDigest(d: SentDigest): Promise<void>;
  digests(): Promise<DigestRow[]>;
  metricTotals(): Promise<MetricTotals>;
  /** Gaps the followers reported (lines they could not read), by reason. */
  gapCounts(): Promise<Record<string, number>>;

  // ---- alerts ----
  /** Opens an alert; undefined when one of the same (rule, key) is firing already (another agent's, or ours). */
  openAlert(a: AlertOpen): Promise<AlertRow | undefined>;
  /** Resolves a firing alert at log time `at`; false when it was not firing (another agent resolved it). */
  resolveAlert(id: number, at: number): Promise<boolean>;
  /** Every channel took this alert's firing (or resolved) notification. */
  markNotified(id: number, kind: 'firing' | 'resolved'): Promise<void>;
  /** Alerts, newest first. */
  alerts(q?: AlertQuery): Promise<AlertRow[]>;

  // ---- blocklist watch ----
  /** Records DNSBL checks: a status that changed starts its `since`; a failed check keeps the known status. */
  recordBlocklist(checks: BlocklistCheck[]): Promise<void>;
  /** What is known of every (address, list), by address and list. */
  blocklistStatus(): Promise<BlocklistRow[]>;
  /** Forgets this agent's rows of addresses or lists no longer checked; returns how many. */
  forgetBlocklist(agent: string, keep: { address: string; zone: string }[]): Promise<number>;

  close(): Promise<void>;
}
