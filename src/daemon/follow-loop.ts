// The live ingest loop: polls every followed source (files, the systemd journal, standard
// input), feeds lines through the pipeline, and commits a batch (rows + every file's read
// position + the journal's cursor) when it is big enough or old enough. Reading waits while a
// batch is written: that is the backpressure. Each path's checkpoint and the gaps its follower
// reports go in the same commit.
import type { Config } from '../config/schema.ts';
import { Ingest } from '../ingest/ingest.ts';
import { LineParser } from '../parse/line.ts';
import { Follower } from '../inputs/follower.ts';
import { JournalFollower } from '../inputs/journal-follower.ts';
import { GAP_MESSAGES, type Gap, type Known, type Position } from '../inputs/position.ts';
import { knownFileOf } from '../inputs/fingerprint.ts';
import { StdinLines } from '../inputs/stdin-lines.ts';
import { StoreUnavailableError, type Store } from '../store/store.ts';
import type { JournalPosition } from '../store/types.ts';
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

/** What the loop polls: a followed file, the journal, or standard input. */
type Source = Follower | JournalFollower | StdinLines;

/** Is this `logs` entry the journal ("journal", "journal:DIR")? */
export const isJournal = (entry: string) => entry === 'journal' || entry.startsWith('journal:');

/** What the store knows of the journal: where each source stopped, and the highest entry per sequence. */
interface JournalStart {
  newest: Map<string, JournalPosition>;
  seen: Map<string, number>;
}

export class FollowLoop {
  readonly stats: LoopStats = { lines: 0, commits: 0, lastCommitAt: null, lastLineAt: null, pending: 0, busyRetries: 0 };
  /** Called after each batch is in the store, with the log time of its last line (the alerts' clock). */
  onCommit: ((lastLogTime: number | null) => void) | undefined;
  private readonly ingest: Ingest;
  private readonly followers: Source[];
  /** Journal positions read but not yet committed, by source and sequence. */
  private readonly journalAt = new Map<string, JournalPosition>();
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
  /** Positions of that batch: known files once it is in. */
  private positionsInStalledBatch: Position[] = [];
  /** The commit on its way to the store, if any. */
  private writing: Promise<void> | undefined;
  /** Lines handed over while a commit was on its way, fed in order once it is in. */
  private readonly queued: (() => void)[] = [];
  /** A store error during a commit started from a read: thrown by the loop. */
  private failure: unknown;
  /**
   * Every file read before, as committed: the store's rows at start-up, then each committed
   * position. The followers match heads against it synchronously (this process is the only
   * writer of positions: serve holds the database's lock).
   */
  private readonly known: Map<string, Known>;
  private firstPendingAt = 0;
  private running = false;
  private done: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  static async open(store: Store, cfg: Config, log: Logger): Promise<FollowLoop> {
    const ingest = await Ingest.open(store, {
      internalNetworks: cfg.internal_networks,
      localDomains: cfg.local_domains,
      maxOpen: cfg.max_open_messages,
      tracker: { graceMs: cfg.grace_seconds * 1000, staleMs: cfg.stale_after_hours * 3_600_000 },
    });
    const known = new Map((await store.knownFiles()).map((k) => [k.fingerprint, k]));
    const checkpoints = new Map<string, Awaited<ReturnType<Store['checkpoint']>>>();
    for (const path of cfg.logs) if (!isJournal(path) && path !== '-') checkpoints.set(path, await store.checkpoint(path));
    const journal: JournalStart = { newest: new Map(), seen: new Map() };
    if (cfg.logs.some(isJournal)) {
      // Newest first: the first row of a source is where it stopped.
      for (const j of await store.journalPositions()) {
        if (!journal.newest.has(j.source)) journal.newest.set(j.source, j);
        journal.seen.set(j.seqnumId, Math.max(journal.seen.get(j.seqnumId) ?? -1, j.seqnum));
      }
    }
    return new FollowLoop(ingest, known, checkpoints, journal, cfg, log);
  }

  private constructor(
    ingest: Ingest,
    known: Map<string, Known>,
    checkpoints: Map<string, Awaited<ReturnType<Store['checkpoint']>>>,
    journal: JournalStart,
    private readonly cfg: Config,
    private readonly log: Logger,
  ) {
    this.ingest = ingest;
    this.known = known;
    const note = (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => this.log[level]({ ...fields }, msg);
    this.followers = cfg.logs.map((path): Source => {
      const parser = new LineParser({ mainlogHost: cfg.mainlog_host });
      if (isJournal(path)) {
        return new JournalFollower(
          { source: path, match: { identifiers: cfg.journal_identifiers, units: cfg.journal_units }, after: journal.newest.get(path), seen: journal.seen },
          { lines: (lines, at) => this.takeJournal(parser, lines, at), note },
        );
      }
      if (path === '-') return new StdinLines(process.stdin, { lines: (lines) => this.takeLines(parser, lines), note });
      const f: Follower = new Follower(path, { find: (head) => knownFileOf([...this.known.values()], head), checkpoint: checkpoints.get(path) }, {
        lines: (lines, at) => this.take(parser, f, lines, at),
        note,
        gap: (g) => this.gaps.push(g),
      });
      return f;
    });
  }

  /** A batch is waiting for the database (another writer holds it, or it cannot be reached). */
  get waitingForDatabase(): boolean {
    return this.ingest.isStalled;
  }

  /** Why the batch waits: the database's own words. */
  get databaseError(): string | null {
    return this.ingest.isStalled ? (this.ingest.refusal?.message ?? null) : null;
  }

  get openMessages(): number {
    return this.ingest.tracker.size;
  }

  /** Where each source stands, for /healthz: a file's offset, the journal's last cursor. */
  get files(): { path: string; offset: number | null; cursor?: string | null }[] {
    return this.followers.map((f) => (f instanceof JournalFollower
      ? { path: f.path, offset: null, cursor: f.position?.cursor ?? null }
      : { path: f.path, offset: this.reached.get(f.path) ?? null }));
  }

  /**
   * Starts every source, then reads in the background. Rejects when a source cannot start (a
   * journal without journalctl, or not allowed to read it): the error names the fix.
   */
  start(): Promise<void> {
    this.running = true;
    const started = this.startSources().catch(async (e: unknown) => {
      // Those that did start are closed again (files, journalctl): start-up stops cleanly.
      await Promise.allSettled(this.followers.map((f) => f.close()));
      throw e;
    });
    this.done = started.then(() => this.run());
    // Awaited by stop(); a start-up failure is the caller's, through `started`.
    this.done.catch(() => undefined);
    return started;
  }

  /** Settles when reading has stopped: rejects when it stopped on an error (the store failed). */
  get finished(): Promise<void> {
    return this.done ?? Promise.resolve();
  }

  /** Stops reading, commits what was read, closes the files. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.done;
  }

  async reopen(): Promise<void> {
    for (const f of this.followers) await f.reopenOnSignal();
    await this.commitNow();
  }

  private async startSources(): Promise<void> {
    for (const f of this.followers) {
      await f.start();
      await this.commitIfDue(true);
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.settle();
      if (this.ingest.isStalled) {
        // The database is busy with another writer: read nothing more until the batch is in.
        await this.commitNow();
        if (this.ingest.isStalled) await sleep(this.cfg.poll_ms);
        continue;
      }
      let progress = false;
      for (const f of this.followers) {
        if (await f.poll()) progress = true;
        await this.commitIfDue(false);
      }
      await this.commitIfDue(false);
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
    await this.commitNow();
    if (this.ingest.isStalled) {
      this.log.warn('stopping with a batch the busy database did not take: its lines are read again at the next start');
    }
  }

  /** Lines of the journal, with the position of the last. */
  private takeJournal(parser: LineParser, lines: string[], at: JournalPosition): void {
    if (this.writing) {
      this.queued.push(() => this.takeJournal(parser, lines, at));
      return;
    }
    // By sequence: each journal sequence's highest entry is committed.
    this.journalAt.set(`${at.source} ${at.seqnumId}`, at);
    this.takeLines(parser, lines);
  }

  /** Lines of any source; a commit when the batch is full. */
  private takeLines(parser: LineParser, lines: string[]): void {
    if (this.writing) {
      this.queued.push(() => this.takeLines(parser, lines));
      return;
    }
    if (this.stats.pending === 0) this.firstPendingAt = Date.now();
    for (const line of lines) this.ingest.line(parser, line);
    this.stats.pending += lines.length;
    this.stats.lines += lines.length;
    this.stats.lastLineAt = Date.now();
    if (this.stats.pending >= this.cfg.batch_lines) void this.startCommit();
  }

  private take(parser: LineParser, f: Follower, lines: string[], at: Position): void {
    // A commit is on its way to the store: these lines wait, so that the batch's messages get
    // their ids before any line can touch them again.
    if (this.writing) {
      this.queued.push(() => this.take(parser, f, lines, at));
      return;
    }
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
    if (this.stats.pending >= this.cfg.batch_lines) void this.startCommit();
  }

  /** Starts a commit unless one is on its way; lines read meanwhile are fed once it is in. */
  private startCommit(): Promise<void> {
    if (this.writing) return this.writing;
    const p = this.commitPending()
      .catch((e: unknown) => {
        this.failure ??= e;
      })
      .finally(() => {
        this.writing = undefined;
        while (!this.writing && this.queued.length > 0) this.queued.shift()!();
      });
    this.writing = p;
    return p;
  }

  /** Waits until no commit is on its way (one may start another); a store error ends the loop. */
  private async settle(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure !== undefined) throw this.failure;
  }

  private async commitNow(): Promise<void> {
    await this.settle();
    await this.startCommit();
    await this.settle();
  }

  private async commitIfDue(force: boolean): Promise<void> {
    await this.settle();
    if (this.stats.pending === 0) {
      // A checkpoint alone (a file opened, a path found empty) is written at once: a crash right
      // after must still know which file it named.
      if (this.live.size > 0 || this.gaps.length > 0) await this.commitNow();
      return;
    }
    if (force || Date.now() - this.firstPendingAt >= this.cfg.batch_ms) await this.commitNow();
  }

  /** A committed position is a known file from now on (as the store's row says). */
  private learn(positions: Position[]): void {
    for (const p of positions) {
      if (p.checkpoint?.absent) continue;
      if (p.replaces !== undefined && p.replaces !== p.fingerprint) this.known.delete(p.replaces);
      if (p.fpLen > 0) {
        this.known.set(p.fingerprint, {
          fingerprint: p.fingerprint, offset: p.offset, fpLen: p.fpLen, lines: p.lines, ...(p.yearState !== undefined ? { yearState: p.yearState } : {}),
        });
      } else {
        this.known.delete(p.fingerprint);
      }
    }
  }

  /** The positions to commit: each path's checkpoint rides on its live file's newest position. */
  private toCommit(): Position[] {
    const out: Position[] = [...this.positions.values()];
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

  private async commitPending(): Promise<void> {
    if (this.ingest.isStalled) {
      if (!(await this.ingest.retry())) return;
      this.learn(this.positionsInStalledBatch.splice(0));
      this.logGaps(this.gapsInStalledBatch.splice(0));
      this.log.info({ busy_retries: this.stats.busyRetries }, 'database free again: the waiting batch is written');
      this.stats.commits++;
      this.stats.lastCommitAt = Date.now();
      this.onCommit?.(this.ingest.lastLogTime);
    }
    if (this.stats.pending === 0 && this.positions.size === 0 && this.live.size === 0 && this.journalAt.size === 0) return;
    const sources = this.toCommit();
    const gaps = sources.some((p) => p.gaps) ? this.gaps.splice(0) : [];
    const journal = [...this.journalAt.values()];
    this.positions.clear();
    this.live.clear();
    this.journalAt.clear();
    const written = await this.ingest.commitAt({ files: sources, journal });
    if (written) {
      this.learn(sources);
      this.logGaps(gaps);
    } else {
      this.positionsInStalledBatch.push(...sources);
      this.gapsInStalledBatch.push(...gaps);
    }
    if (!written) {
      // Nothing is lost: neither the rows nor the positions were written, and the batch is
      // kept in memory; a stop now means those lines are read again at the next start.
      this.stats.busyRetries++;
      const refusal = this.ingest.refusal;
      if (refusal instanceof StoreUnavailableError) {
        this.log.warn({ lines: this.stats.pending, err: refusal.message }, 'database unreachable: the batch waits and is retried; the read position stays where it was committed');
      } else {
        this.log.warn({ lines: this.stats.pending }, 'database busy (another process is writing): the batch waits and is retried');
      }
      this.stats.pending = 0;
      return;
    }
    this.stats.pending = 0;
    this.stats.commits++;
    this.stats.lastCommitAt = Date.now();
    this.onCommit?.(this.ingest.lastLogTime);
  }
}
