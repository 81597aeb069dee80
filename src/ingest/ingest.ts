// The one-way pipeline for a stream of lines: parse -> correlate -> count -> write in batches.
// Shared by `import` (files) and the live follower; the caller says when a batch ends and
// which source position it commits.
import { NetworkList } from '../correlate/networks.ts';
import { LocalDomains } from '../correlate/local-domains.ts';
import type { Judge } from '../correlate/record.ts';
import { Tracker, type TrackerOptions } from '../correlate/tracker.ts';
import type { LineParser } from '../parse/line.ts';
import type { Db } from '../store/db.ts';
import { loadLocalDomains, loadOpenTraces, Writer, type LineCounts, type SourcePosition, type Batch } from '../store/writer.ts';

export interface IngestOptions {
  internalNetworks: string;
  localDomains?: string[];
  tracker?: TrackerOptions;
}

const HOUR = 3_600_000;
const SAMPLES_PER_BATCH = 50;

export type Totals = LineCounts;

export class Ingest {
  readonly tracker: Tracker;
  private readonly writer: Writer;
  private counts = new Map<number, LineCounts>();
  private samples: Batch['unknownSamples'] = [];
  private lastTime: number | null = null;
  private readonly untimed: LineCounts = { total: 0, mail: 0, unknown: 0, other: 0 };
  readonly totals: Totals = { total: 0, mail: 0, unknown: 0, other: 0 };

  constructor(db: Db, opts: IngestOptions) {
    const internal = NetworkList.parse(opts.internalNetworks);
    const domains = new LocalDomains(opts.localDomains ?? [], loadLocalDomains(db));
    const judge: Judge = { internal, isLocalDomain: (d) => domains.has(d) };
    this.tracker = new Tracker(domains, opts.tracker);
    this.tracker.restore(loadOpenTraces(db));
    this.writer = new Writer(db, judge);
  }

  line(parser: LineParser, line: string): void {
    const p = parser.parse(line);
    if (p.head) this.lastTime = p.head.time;
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

  /** Writes everything since the last commit, with the source position it reached. */
  commit(...sources: SourcePosition[]): void {
    // A whole batch without one timed line: count it at hour 0 rather than hold it past the
    // commit of its file position.
    if (this.untimed.total > 0) this.moveUntimed(this.countsAt(0));
    this.writer.write({ drained: this.tracker.drain(), counts: this.counts, unknownSamples: this.samples, sources });
    this.counts = new Map();
    this.samples = [];
  }
}
