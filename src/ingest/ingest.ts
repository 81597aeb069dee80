// The one-way pipeline for a stream of lines: parse -> correlate -> judge -> write in batches.
// Shared by `import` (files) and the live follower; the caller says when a batch ends and
// which read positions it commits. The store only stores: the records it writes are judged
// here (batch.ts), and the ids it hands back go to the correlator's tracks.
import { NetworkList } from '../correlate/networks.ts';
import { LocalDomains } from '../correlate/local-domains.ts';
import type { Judge } from '../correlate/record.ts';
import { Tracker, type SpillStore, type TrackerOptions } from '../correlate/tracker.ts';
import type { Position } from '../inputs/position.ts';
import type { LineParser } from '../parse/line.ts';
import { StoreBusyError, type Store } from '../store/store.ts';
import type { JournalPosition, LineCounts, SpillReader, WriteBatch } from '../store/types.ts';
import { toBatch, trackOf, type Pending } from './batch.ts';

export interface IngestOptions {
  internalNetworks: string;
  localDomains?: string[];
  tracker?: TrackerOptions;
  /** Open messages kept in memory at most; more are spilled to the database. */
  maxOpen?: number;
  /** The wall clock (injectable for tests): log times far beyond it are not believed. */
  now?: () => number;
}

const HOUR = 3_600_000;
/**
 * A line dated more than a day past the wall clock has a corrupt or impossible time (a clock
 * set wrong, a bad byte in the year): it is counted as not understood, and steers nothing
 * (retention, the dashboard's period, which messages are stale).
 */
const FUTURE_MS = 24 * HOUR;
const SAMPLES_PER_BATCH = 50;
const BLANK = /^\s*$/;

export type Totals = LineCounts;

/** The store's spill, handing back tracks. */
function spillOfTracks(r: SpillReader): SpillStore {
  return {
    get size() {
      return r.size;
    },
    take: (host, qid) => {
      const saved = r.take(host, qid);
      return saved && trackOf(saved);
    },
    due: (now) => r.due(now).map(trackOf),
  };
}


export class Ingest {
  readonly tracker: Tracker;
  private readonly spill: SpillReader;
  private readonly judge: Judge;
  private counts = new Map<number, LineCounts>();
  private samples: WriteBatch['unknownSamples'] = [];
  private lastTime: number | null = null;
  /** A batch that found the database busy (another writer), kept to be written as it is. */
  private stalled: Pending | undefined;
  private readonly untimed: LineCounts = { total: 0, mail: 0, unknown: 0, other: 0 };
  readonly totals: Totals = { total: 0, mail: 0, unknown: 0, other: 0 };
  /** Lines whose time was past the wall clock (counted in `unknown` too). */
  futureLines = 0;
  /**
   * Empty or whitespace-only lines: no MTA writes them (an editor, a `cat` of files, a cut
   * record leaves them), so they are neither mail nor "not understood". Counted here only.
   */
  blankLines = 0;
  private readonly now: () => number;
  /** Times up to here are believed without asking the clock again. */
  private horizon = -Infinity;

  /** Opens the pipeline on a store, going on where its last run stopped. */
  static async open(store: Store, opts: IngestOptions): Promise<Ingest> {
    return new Ingest(store, opts, await store.ingestState());
  }

  private constructor(private readonly store: Store, opts: IngestOptions, state: Awaited<ReturnType<Store['ingestState']>>) {
    const internal = NetworkList.parse(opts.internalNetworks);
    const domains = new LocalDomains(opts.localDomains ?? [], state.learnedDomains);
    this.judge = { internal, isLocalDomain: (d) => domains.has(d) };
    this.spill = store.spill();
    this.tracker = new Tracker(domains, { ...(opts.maxOpen !== undefined ? { maxOpen: opts.maxOpen } : {}), ...opts.tracker, spill: spillOfTracks(this.spill) });
    const clock = state.clock;
    this.tracker.restore(state.open.map(trackOf), clock && { now: clock.now, lastLineAt: clock.lastLineAt });
    // Lines without a time of their own count in the hour of the last timed line, also when
    // that line was read by an earlier run: where an import stopped must not move them.
    this.lastTime = clock?.lastTime ?? null;
    this.now = opts.now ?? Date.now;
  }

  line(parser: LineParser, line: string): void {
    if (BLANK.test(line)) {
      this.blankLines++;
      return;
    }
    let p = parser.parse(line);
    if (p.head && p.head.time > this.horizon) {
      this.horizon = this.now() + FUTURE_MS;
      if (p.head.time > this.horizon) {
        p = { cls: 'unknown' };
        this.futureLines++;
      }
    }
    if (p.head) {
      this.lastTime = p.head.time;
      this.firstRead ??= p.head.time;
    }
    const time = this.lastTime;
    // A line without a time of its own counts in the hour of the line before it; lines before
    // any timed line wait for the first one.
    const c = time === null ? this.untimed : this.countsAt(time);
    c.total++;
    c[p.cls]++;
    if (time !== null && this.untimed.total > 0) this.moveUntimed(c);
    this.totals.total++;
    this.totals[p.cls]++;
    if (p.cls === 'unknown' && this.samples.length < SAMPLES_PER_BATCH) {
      this.samples.push({ program: p.head?.program ?? null, line, at: time });
    }
    if (p.event && p.head) this.tracker.handle(p.head.program.startsWith('exim') ? 'exim' : 'postfix', p.head, p.event, line);
  }

  private countsAt(time: number): LineCounts {
    const hour = time - (((time % HOUR) + HOUR) % HOUR);
    let c = this.counts.get(hour);
    if (!c) {
      c = { total: 0, mail: 0, unknown: 0, other: 0 };
      this.counts.set(hour, c);
    }
    return c;
  }

  private moveUntimed(to: LineCounts): void {
    for (const k of ['total', 'mail', 'unknown', 'other'] as const) {
      to[k] += this.untimed[k];
      this.untimed[k] = 0;
    }
  }

  /** The log time of the first timed line this run read (null before any). */
  firstRead: number | null = null;

  /** The log time of the last timed line read (null before any). */
  get lastLogTime(): number | null {
    return this.lastTime;
  }

  /** Why the waiting batch was not written (busy, or the database unreachable). */
  refusal: StoreBusyError | undefined;

  /** A batch is waiting for the database: write it (retry) before reading further lines. */
  get isStalled(): boolean {
    return this.stalled !== undefined;
  }

  /**
   * Writes everything since the last commit, with the read positions it reached. False when
   * another writer held the database past the busy timeout: nothing was written, the batch is
   * kept, and the caller calls `retry` before it feeds more lines.
   */
  commit(...positions: Position[]): Promise<boolean> {
    return this.commitAt({ files: positions });
  }

  /** `commit`, with the journal positions reached too. */
  async commitAt(at: { files?: Position[]; journal?: JournalPosition[] }): Promise<boolean> {
    if (this.stalled) throw new Error('a batch is waiting for the database: retry it before committing more');
    // A whole batch without one timed line: count it at hour 0 rather than hold it past the
    // commit of its file position.
    if (this.untimed.total > 0) this.moveUntimed(this.countsAt(0));
    this.stalled = toBatch(this.tracker.drain(), this.judge, {
      counts: this.counts, unknownSamples: this.samples, positions: at.files ?? [], journal: at.journal ?? [], lastTime: this.lastTime,
    });
    this.counts = new Map();
    this.samples = [];
    return this.retry();
  }

  /** Writes the batch that found the database busy; false while it still does. */
  async retry(): Promise<boolean> {
    const pending = this.stalled;
    if (!pending) return true;
    let ids: number[];
    try {
      ({ ids } = await this.store.write(pending.batch));
    } catch (e) {
      if (e instanceof StoreBusyError) {
        this.refusal = e;
        return false;
      }
      throw e;
    }
    this.refusal = undefined;
    pending.tracks.forEach((t, i) => (t.row = ids[i]));
    this.spill.written(pending.spilled);
    this.stalled = undefined;
    return true;
  }
}
