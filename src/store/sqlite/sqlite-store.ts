// The Store on one SQLite file (better-sqlite3): the embedded default. better-sqlite3 is
// synchronous, so each method runs its query at once and resolves; the async signatures are the
// boundary's, for backends that must wait on a network.
import type { MessageRecord } from '../../correlate/record.ts';
import { StoreBusyError, type Store } from '../store.ts';
import type { AlertOpen, AlertQuery, BlocklistCheck, Bucket, MessageFilter, Mta, Period, SentDigest, SourceKind, SpillReader, WriteBatch } from '../types.ts';
import { adviceGroups, scanSuspects } from './advice.ts';
import { messageTrace, sources, timeseries } from './dashboard-queries.ts';
import { isBusy, openDb, type Db } from './db.ts';
import { hostsOf, listDigests, recordDigest } from './digests.ts';
import { listAlerts, markNotified, openAlert, resolveAlert } from './alerts.ts';
import { blocklistStatus, forgetBlocklist, recordBlocklist } from './blocklists.ts';
import { auditEvidence } from './evidence.ts';
import { hostTotals } from './hosts.ts';
import { listedRefusals, listedRejectReasons, rejectCauses } from './listings.ts';
import { metricTotals } from './metrics.ts';
import { lineTotals, resolvePeriod } from './period.ts';
import { countGaps, journalPositions, knownFiles, loadCheckpoint } from './positions.ts';
import { countMessagesCapped, listMessages } from './queries.ts';
import { applyRetention } from './retention.ts';
import { backscatterFates, causes, counters } from './rollup-queries.ts';
import { refreshRollups } from './rollups.ts';
import { Spill } from '../spill.ts';
import { sqliteSpill } from './spill-source.ts';
import { loadClock, loadLocalDomains, loadOpenMessages, Writer } from './writer.ts';

export interface SqliteOptions {
  readonly?: boolean;
  /** How long a write waits for another writer before it fails as busy. */
  busyMs?: number;
}

/** Busy (another writer past the wait) becomes StoreBusyError; anything else passes as it is. */
function busyAsStoreError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isBusy(e)) throw new StoreBusyError(e);
    throw e;
  }
}

export class SqliteStore implements Store {
  readonly db: Db;
  private writer: Writer | undefined;
  private spillReader: Spill | undefined;

  constructor(readonly location: string, opts: SqliteOptions = {}) {
    this.db = openDb(location, opts);
  }

  async ingestState() {
    return { open: loadOpenMessages(this.db), clock: loadClock(this.db), learnedDomains: loadLocalDomains(this.db) };
  }

  spill(): SpillReader {
    return (this.spillReader ??= new Spill(sqliteSpill(this.db)));
  }

  async write(batch: WriteBatch) {
    this.writer ??= new Writer(this.db);
    const w = this.writer;
    return busyAsStoreError(() => w.write(batch));
  }

  async knownFiles() {
    return knownFiles(this.db);
  }

  async checkpoint(path: string) {
    return loadCheckpoint(this.db, path);
  }

  async journalPositions() {
    return journalPositions(this.db);
  }

  async refreshRollups() {
    return busyAsStoreError(() => refreshRollups(this.db));
  }

  async retain(days: number, now?: number) {
    return busyAsStoreError(() => applyRetention(this.db, days, now));
  }

  async period(from?: number, to?: number, host?: string) {
    return resolvePeriod(this.db, from, to, host);
  }

  async messageCount() {
    return (this.db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
  }

  async lineTotals(p: Period) {
    return lineTotals(this.db, p);
  }

  async counters(p: Period) {
    return counters(this.db, p);
  }

  async causes(p: Period) {
    return causes(this.db, p);
  }

  async backscatterFates(p: Period) {
    return backscatterFates(this.db, p);
  }

  async timeseries(p: Period, bucket: Bucket) {
    return timeseries(this.db, p, bucket);
  }

  async sources(p: Period, kind: SourceKind, limit?: number) {
    return sources(this.db, p, kind, limit);
  }

  async *messages(p: Period, f?: MessageFilter, page?: { limit: number; offset: number }): AsyncIterable<MessageRecord> {
    yield* listMessages(this.db, p, f, page);
  }

  async countMessages(p: Period, f?: MessageFilter) {
    return countMessagesCapped(this.db, p, f);
  }

  async messageTrace(host: string, qid: string) {
    return messageTrace(this.db, host, qid);
  }

  async adviceGroups(p: Period) {
    return adviceGroups(this.db, p);
  }

  async scanSuspects(p: Period, mta: Mta) {
    return scanSuspects(this.db, p, mta);
  }

  async listedRefusals(p: Period, mta: Mta) {
    return listedRefusals(this.db, p, mta);
  }

  async rejectCauses(p: Period) {
    return rejectCauses(this.db, p);
  }

  async listedRejectReasons(p: Period) {
    return listedRejectReasons(this.db, p);
  }

  async auditEvidence(p: Period, mta: Mta, cause: string, domains?: string[]) {
    return auditEvidence(this.db, p, mta, cause, domains);
  }

  async hosts(p: Period) {
    return hostsOf(this.db, p);
  }

  async hostTotals(p: Period) {
    return hostTotals(this.db, p);
  }

  async recordDigest(d: SentDigest) {
    recordDigest(this.db, d);
  }

  async digests() {
    return listDigests(this.db);
  }

  async metricTotals() {
    return metricTotals(this.db);
  }

  async openAlert(a: AlertOpen) {
    return openAlert(this.db, a);
  }

  async resolveAlert(id: number, at: number) {
    return resolveAlert(this.db, id, at);
  }

  async markNotified(id: number, kind: 'firing' | 'resolved') {
    markNotified(this.db, id, kind);
  }

  async alerts(q: AlertQuery = {}) {
    return listAlerts(this.db, q);
  }

  async recordBlocklist(checks: BlocklistCheck[]) {
    recordBlocklist(this.db, checks);
  }

  async blocklistStatus() {
    return blocklistStatus(this.db);
  }

  async forgetBlocklist(agent: string, keep: { address: string; zone: string }[]) {
    return forgetBlocklist(this.db, agent, keep);
  }

  async gapCounts() {
    return countGaps(this.db);
  }

  async close() {
    this.db.close();
  }
}
