// The live ingest loop: polls every followed file, feeds lines through the pipeline, and
// commits a batch (rows + every file's read position) when it is big enough or old enough.
// Reading waits while a batch is written (better-sqlite3 is synchronous): that is the
// backpressure.
import type { Config } from '../config/schema.ts';
import { Ingest } from '../ingest/ingest.ts';
import { LineParser } from '../parse/line.ts';
import { Follower, type Position } from '../sources/follower.ts';
import type { Db } from '../store/db.ts';
import { findKnown } from '../store/positions.ts';
import type { Logger } from './logger.ts';

export interface LoopStats {
  lines: number;
  commits: number;
  lastCommitAt: number | null;
  lastLineAt: number | null;
  pending: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FollowLoop {
  readonly stats: LoopStats = { lines: 0, commits: 0, lastCommitAt: null, lastLineAt: null, pending: 0 };
  private readonly ingest: Ingest;
  private readonly followers: Follower[];
  /** Positions read but not yet committed, by file fingerprint. */
  private readonly positions = new Map<string, Position>();
  /** Last offset reached per file, for /healthz. */
  private readonly reached = new Map<string, number>();
  private firstPendingAt = 0;
  private running = false;
  private done: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly db: Db, private readonly cfg: Config, private readonly log: Logger) {
    this.ingest = new Ingest(db, {
      internalNetworks: cfg.internal_networks,
      localDomains: cfg.local_domains,
      tracker: { graceMs: cfg.grace_seconds * 1000, staleMs: cfg.stale_after_hours * 3_600_000 },
    });
    this.followers = cfg.logs.map((path) => {
      const parser = new LineParser({ mainlogHost: cfg.mainlog_host });
      return new Follower(path, { find: (head) => findKnown(db, head) }, {
        lines: (lines, at) => this.take(parser, lines, at),
        note: (level, msg, fields) => this.log[level]({ ...fields }, msg),
      });
    });
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
    this.commitPending();
    for (const f of this.followers) await f.close();
  }

  private take(parser: LineParser, lines: string[], at: Position): void {
    if (this.stats.pending === 0) this.firstPendingAt = Date.now();
    for (const line of lines) this.ingest.line(parser, line);
    // By file identity, not path: a rotated-away file and its successor share the path, and
    // both positions must be committed.
    this.positions.set(at.fingerprint, at);
    this.reached.set(at.path, at.offset);
    this.stats.pending += lines.length;
    this.stats.lines += lines.length;
    this.stats.lastLineAt = Date.now();
    if (this.stats.pending >= this.cfg.batch_lines) this.commitPending();
  }

  private commitIfDue(force: boolean): void {
    if (this.stats.pending === 0) return;
    if (force || Date.now() - this.firstPendingAt >= this.cfg.batch_ms) this.commitPending();
  }

  private commitPending(): void {
    if (this.stats.pending === 0 && this.positions.size === 0) return;
    this.ingest.commit(...this.positions.values());
    this.positions.clear();
    this.stats.pending = 0;
    this.stats.commits++;
    this.stats.lastCommitAt = Date.now();
  }
}
