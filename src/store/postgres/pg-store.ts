// The Store on PostgreSQL: one database for a fleet of agents (one `serve` per MTA host, and
// imports), and any number of readers (dashboards, report, advise, digest). An agent's name
// (config `agent`, the host name by default) keys what is its own: read positions, clock, open
// messages, spill. Everything else is shared, and every read sees all agents' rows.
import type { MessageRecord } from '../../correlate/record.ts';
import { Spill } from '../spill.ts';
import { StoreBusyError, StoreUnavailableError, type Store } from '../store.ts';
import type { AlertOpen, AlertQuery, BlocklistCheck, Bucket, MessageFilter, Mta, Period, SentDigest, SourceKind, SpillReader, WriteBatch } from '../types.ts';
import { adviceGroups, scanSuspects } from './advice.ts';
import { messageTrace, sources, timeseries } from './dashboard-queries.ts';
import { hostsOf, listDigests, recordDigest } from './digests.ts';
import { listAlerts, markNotified, openAlert, resolveAlert } from './alerts.ts';
import { blocklistStatus, forgetBlocklist, recordBlocklist } from './blocklists.ts';
import { hostTotals } from './hosts.ts';
import { auditEvidence } from './evidence.ts';
import { listedRefusals, listedRejectReasons, rejectCauses } from './listings.ts';
import { countGaps, metricTotals } from './metrics.ts';
import { migratePostgres } from './migrate.ts';
import { forgetAllDays } from './partitions.ts';
import { lineTotals, resolvePeriod } from './period.ts';
import { createPool, isConflict, isUnavailable, redact, type Pool } from './pg.ts';
import { ingestState, journalPositions, knownFiles, loadCheckpoint, spilledCount } from './positions.ts';
import { countMessagesCapped, listMessages } from './queries.ts';
import { applyRetention } from './retention.ts';
import { backscatterFates, causes, counters } from './rollup-queries.ts';
import { refreshRollups } from './rollups.ts';
import { pgSpill } from './spill-source.ts';
import { PgWriter } from './writer.ts';

export interface PgOptions {
  /** This agent's name: whose positions, clock and open messages these are. */
  agent: string;
  /** Connections in the pool. */
  poolSize?: number;
  /** How long a write waits for a lock another writer holds before it fails as busy. */
  busyMs?: number;
}

/** A database that cannot be reached, or a transaction in another's way: nothing was written; later. */
function retryable<T>(f: () => Promise<T>): Promise<T> {
  return f().catch((e: unknown) => {
    if (isUnavailable(e)) throw new StoreUnavailableError(e);
    if (isConflict(e)) throw new StoreBusyError(e);
    throw e;
  });
}

/** "no partition of relation ... found for row": another agent's retention dropped a day this one knew. */
const isMissingPartition = (e: unknown) => (e as { code?: string }).code === '23514' && /no partition/.test((e as Error).message);

export class PgStore implements Store {
  readonly location: string;
  private readonly writer: PgWriter;
  private spillReader: Spill | undefined;
  private spillSource: ReturnType<typeof pgSpill> | undefined;

  private constructor(private readonly url: string, private readonly pool: Pool, readonly agent: string) {
    this.location = redact(url);
    this.writer = new PgWriter(pool, agent);
  }

  /** Connects and brings the schema up to date (once, whichever agent comes first). */
  static async open(url: string, opts: PgOptions): Promise<PgStore> {
    const pool = createPool(url, opts.poolSize, opts.busyMs);
    try {
      await migratePostgres(pool);
    } catch (e) {
      await pool.end();
      throw e;
    }
    try {
      const store = new PgStore(url, pool, opts.agent);
      store.spillSource = pgSpill(url, opts.agent, await spilledCount(pool, opts.agent));
      return store;
    } catch (e) {
      await pool.end();
      throw e;
    }
  }

  async ingestState() {
    return ingestState(this.pool, this.agent);
  }

  spill(): SpillReader {
    return (this.spillReader ??= new Spill(this.spillSource!));
  }

  async write(batch: WriteBatch) {
    return retryable(async () => {
      try {
        return await this.writer.write(batch);
      } catch (e) {
        if (!isMissingPartition(e)) throw e;
        forgetAllDays(this.pool);
        return this.writer.write(batch);
      }
    });
  }

  async knownFiles() {
    return knownFiles(this.pool, this.agent);
  }

  async checkpoint(path: string) {
    return loadCheckpoint(this.pool, this.agent, path);
  }

  async journalPositions() {
    return journalPositions(this.pool, this.agent);
  }

  async refreshRollups() {
    return retryable(() => refreshRollups(this.pool));
  }

  async retain(days: number, now?: number) {
    return retryable(() => applyRetention(this.pool, days, now));
  }

  async period(from?: number, to?: number, host?: string) {
    return resolvePeriod(this.pool, from, to, host);
  }

  async hostTotals(p: Period) {
    return hostTotals(this.pool, p);
  }

  async messageCount() {
    return (await this.pool.query<{ n: number }>('SELECT count(*)::bigint AS n FROM messages')).rows[0]!.n;
  }

  async lineTotals(p: Period) {
    return lineTotals(this.pool, p);
  }

  async counters(p: Period) {
    return counters(this.pool, p);
  }

  async causes(p: Period) {
    return causes(this.pool, p);
  }

  async backscatterFates(p: Period) {
    return backscatterFates(this.pool, p);
  }

  async timeseries(p: Period, bucket: Bucket) {
    return timeseries(this.pool, p, bucket);
  }

  async sources(p: Period, kind: SourceKind, limit?: number) {
    return sources(this.pool, p, kind, limit);
  }

  async *messages(p: Period, f?: MessageFilter, page?: { limit: number; offset: number }): AsyncIterable<MessageRecord> {
    yield* listMessages(this.pool, p, f, page);
  }

  async countMessages(p: Period, f?: MessageFilter) {
    return countMessagesCapped(this.pool, p, f);
  }

  async messageTrace(host: string, qid: string) {
    return messageTrace(this.pool, host, qid);
  }

  async adviceGroups(p: Period) {
    return adviceGroups(this.pool, p);
  }

  async scanSuspects(p: Period, mta: Mta) {
    return scanSuspects(this.pool, p, mta);
  }

  async listedRefusals(p: Period, mta: Mta) {
    return listedRefusals(this.pool, p, mta);
  }

  async rejectCauses(p: Period) {
    return rejectCauses(this.pool, p);
  }

  async listedRejectReasons(p: Period) {
    return listedRejectReasons(this.pool, p);
  }

  async auditEvidence(p: Period, mta: Mta, cause: string, domains?: string[]) {
    return auditEvidence(this.pool, p, mta, cause, domains);
  }

  async hosts(p: Period) {
    return hostsOf(this.pool, p);
  }

  async recordDigest(d: SentDigest) {
    await recordDigest(this.pool, d);
  }

  async digests() {
    return listDigests(this.pool);
  }

  async metricTotals() {
    return metricTotals(this.pool);
  }

  async openAlert(a: AlertOpen) {
    return await openAlert(this.pool, a);
  }

  async resolveAlert(id: number, at: number) {
    return await resolveAlert(this.pool, id, at);
  }

  async markNotified(id: number, kind: 'firing' | 'resolved') {
    await markNotified(this.pool, id, kind);
  }

  async alerts(q: AlertQuery = {}) {
    return await listAlerts(this.pool, q);
  }

  async recordBlocklist(checks: BlocklistCheck[]) {
    await recordBlocklist(this.pool, checks);
  }

  async blocklistStatus() {
    return await blocklistStatus(this.pool);
  }

  async forgetBlocklist(agent: string, keep: { address: string; zone: string }[]) {
    return await forgetBlocklist(this.pool, agent, keep);
  }

  async gapCounts() {
    return countGaps(this.pool);
  }

  async close() {
    await this.spillSource?.close();
    await this.pool.end();
  }
}
