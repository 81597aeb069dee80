// The live ingest loop: polls every followed file, feeds lines through the pipeline, and
// commits a batch (rows + every file's read position) when it is big enough or old enough.
// Reading waits while a batch is written (better-sqlite3 is synchronous): that is the
// backpressure. Each path's checkpoint and the gaps its follower reports go in the same commit.
import type { Config } from '../config/schema.ts';
import { Ingest } from '../ingest/ingest.ts';
import { LineParser } from '../parse/line.ts';
import { Follower, type Position } from '../inputs/follower.ts';
import { GAP_MESSAGES, type Gap } from '../inputs/position.ts';
import type { Db } from '../store/db.ts';
import { knownFiles, loadCheckpoint } from '../store/positions.ts';
import { knownFileOf } from '../inputs/fingerprint.ts';
import type { SourcePosition } from '../store/writer.ts';
import type { Logger } from './logger.ts';

export interface LoopStats {
  lines: number;
  commits: number;
  lastCommitAt: number | null;
  lastLineAt: number | null;
  pending: number;
  /** Batches that found the database busy and had to wait. */
  busyRetries: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FollowLoop {
  readonly stats: LoopStats = { lines: 0, commits: 0, lastCommitAt: null, lastLineAt: null, pending: 0, busyRetries: 0 };
  private readonly ingest: Ingest;
  private readonly followers: Follower[];
  /** Positions read but not yet committed, by file fingerprint. */
  private readonly positions = new Map<string, Position>();
  /** Last offset reached per file, for /healthz. */
  private readonly reached = new Map<string, number>();
  /** The latest position of each followed path's live file (or of its absence): the path's checkpoint. */
  private readonly live = new Map<string, { at: Position; since: number }>();
  /** Gaps reported since the last commit: written with it, then logged. */
  private gaps: Gap[] = [];
  /** Gaps of a batch the busy database has not taken yet: logged once it has. */
  private gapsInStalledBatch: Gap[] = [];
  private firstPendingAt = 0;
  private running = false;
  private done: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly db: Db, private readonly cfg: Config, private readonly log: Logger) {
    this.ingest = new Ingest(db, {
      internalNetworks: cfg.internal_networks,
      localDomains: cfg.local_domains,
      maxOpen: cfg.max_open_messages,
      tracker: { graceMs: cfg.grace_seconds * 1000, staleMs: cfg.stale_after_hours * 3_600_000 },
    });
    this.followers = cfg.logs.map((path) => {
      const parser = new LineParser({ mainlogHost: cfg.mainlog_host });
      const f: Follower = new Follower(path, { find: (head) => knownFileOf(knownFiles(db), head), checkpoint: loadCheckpoint(db, path) }, {
        lines: (lines, at) => this.take(parser, f, lines, at),
        note: (level, msg, fields) => this.log[level]({ ...fields }, msg),
        gap: (g) => this.gaps.push(g),
      });
      return f;
    });
  }

  /** A batch is waiting for the database (another writer holds it). */
  get waitingForDatabase(): boolean {
    return this.ingest.isStalled;
  }

  get openMessages(): number {
    return this.ingest.tracker.size;
  }

  get files(): { path: string; offset: number | null }[] {
    return this.followers.map((f) => ({ path: f.path, offset: this.reached.get(f.path) ?? null }));
  }

  start(): void {
    this.running = true;
    this.done = this.run();
  }

  /** Stops reading, commits what was read, closes the files. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.done;
  }

  async reopen(): Promise<void> {
    for (const f of this.followers) await f.reopenOnSignal();
    this.commitPending();
  }

  private async run(): Promise<void> {
    for (const f of this.followers) {
      await f.start();
      this.commitIfDue(true);
    }
    while (this.running) {
      if (this.ingest.isStalled) {
        // The database is busy with another writer: read nothing more until the batch is in.
        this.commitPending();
        if (this.ingest.isStalled) await sleep(this.cfg.poll_ms);
        continue;
      }
      let progress = false;
      for (const f of this.followers) {
        if (await f.poll()) progress = true;
        this.commitIfDue(false);
      }
      this.commitIfDue(false);
      if (!progress && this.running) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          void sleep(this.cfg.poll_ms).then(() => resolve());
        });
        this.wake = undefined;
      }
    }
    // Closing hands over the complete lines still unread in open files: committed with the rest.
    for (const f of this.followers) await f.close();
    this.commitPending();
    if (this.ingest.isStalled) {
      this.log.warn('stopping with a batch the busy database did not take: its lines are read again at the next start');
    }
  }

  private take(parser: LineParser, f: Follower, lines: string[], at: Position): void {
    if (this.stats.pending === 0) this.firstPendingAt = Date.now();
    for (const line of lines) this.ingest.line(parser, line);
    // By file identity, not path: a rotated-away file and its successor share the path, and
    // both positions must be committed.
    if (!at.absent) this.positions.set(at.fingerprint, at);
    if (at.live) this.live.set(f.path, { at, since: f.since });
    if (!at.absent) this.reached.set(at.path, at.offset);
    this.stats.pending += lines.length;
    this.stats.lines += lines.length;
    this.stats.lastLineAt = Date.now();
    if (this.stats.pending >= this.cfg.batch_lines) this.commitPending();
  }

  private commitIfDue(force: boolean): void {
    if (this.stats.pending === 0) {
      // A checkpoint alone (a file opened, a path found empty) is written at once: a crash right
      // after must still know which file it named.
      if (this.live.size > 0 || this.gaps.length > 0) this.commitPending();
      return;
    }
    if (force || Date.now() - this.firstPendingAt >= this.cfg.batch_ms) this.commitPending();
  }

  /** The positions to commit: each path's checkpoint rides on its live file's newest position. */
  private toCommit(): SourcePosition[] {
    const out: SourcePosition[] = [...this.positions.values()];
    for (const [path, { at, since }] of this.live) {
      const checkpoint = { path, since, ...(at.absent ? { absent: true } : {}) };
      const i = at.absent ? -1 : out.findIndex((p) => p.fingerprint === at.fingerprint);
      if (i >= 0) out[i] = { ...out[i]!, checkpoint };
      else out.push({ ...at, checkpoint });
    }
    if (this.gaps.length > 0 && out.length > 0) out[0] = { ...out[0]!, gaps: [...this.gaps] };
    return out;
  }

  /** Once their commit is in: one warning per gap, with what was lost and what was done. */
  private logGaps(gaps: Gap[]): void {
    for (const g of gaps) {
      this.log.warn({ gap: g.reason, path: g.path, file: g.file, bytes: g.bytes, bytes_is_lower_bound: g.reason !== 'shorter',
        lines_read: g.linesRead, did: g.did }, GAP_MESSAGES[g.reason]);
    }
  }

  private commitPending(): void {
    if (this.ingest.isStalled) {
      if (!this.ingest.retry()) return;
      this.logGaps(this.gapsInStalledBatch.splice(0));
      this.log.info({ busy_retries: this.stats.busyRetries }, 'database free again: the waiting batch is written');
      this.stats.commits++;
      this.stats.lastCommitAt = Date.now();
    }
    if (this.stats.pending === 0 && this.positions.size === 0 && this.live.size === 0) return;
    const sources = this.toCommit();
    const gaps = sources.some((p) => p.gaps) ? this.gaps.splice(0) : [];
    const written = this.ingest.commit(...sources);
    this.positions.clear();
    this.live.clear();
    if (written) this.logGaps(gaps);
    else this.gapsInStalledBatch.push(...gaps);
    if (!written) {
      // Nothing is lost: neither the rows nor the positions were written, and the batch is
      // kept in memory; a stop now means those lines are read again at the next start.
      this.stats.busyRetries++;
      this.log.warn({ lines: this.stats.pending }, 'database busy (another process is writing): the batch waits and is retried');
      this.stats.pending = 0;
      return;
    }
    this.stats.pending = 0;
    this.stats.commits++;
    this.stats.lastCommitAt = Date.now();
  }
}
