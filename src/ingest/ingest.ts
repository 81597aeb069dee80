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
    const time = p.head?.time ?? this.lastTime;
    if (p.head) this.lastTime = p.head.time;
    const hour = time === null ? 0 : time - (((time % HOUR) + HOUR) % HOUR);
    let c = this.counts.get(hour);
    if (!c) {
      c = { total: 0, mail: 0, unknown: 0, other: 0 };
      this.counts.set(hour, c);
    }
    c.total++;
    c[p.cls]++;
    this.totals.total++;
    this.totals[p.cls]++;
    if (p.cls === 'unknown' && this.samples.length < SAMPLES_PER_BATCH) {
      this.samples.push({ program: p.head?.program ?? null, line, at: time });
    }
    if (p.event && p.head) this.tracker.handle(p.head.program.startsWith('exim') ? 'exim' : 'postfix', p.head, p.event, line);
  }

  /** Writes everything since the last commit, with the source position it reached. */
  commit(source?: SourcePosition): void {
    this.writer.write({ drained: this.tracker.drain(), counts: this.counts, unknownSamples: this.samples, source });
    this.counts = new Map();
    this.samples = [];
  }
}
