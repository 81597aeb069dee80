// `npm run bench:follow`: starts `serve` on a fresh database following a file, appends replayed
// Postfix lines at 1k then 10k lines/s, and prints written -> read / committed latency, lines/s
// and serve's memory. It reports; it exits 1 only when a run itself broke.
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Feed } from './follow-feed.ts';
import { Serve, serveBuild } from './follow-serve.ts';
import { emitResult } from './result.ts';

interface Phase {
  name: string;
  rate: number;
  seconds: number;
  /** Go on until the database holds this many messages (FOLLOW_MESSAGES). */
  messages?: number;
}

interface PhaseResult {
  phase: Phase;
  written: number;
  seconds: number;
  committedPerSecond: number;
  toRead: number[];
  toCommitted: number[];
  /** Written -> counted by GET /api/summary (what a dashboard user sees). */
  toApi: number[];
  rssMb: number;
}

function envNum(name: string, fallback: number): number {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number, got ${process.env[name]}`);
  return v;
}

const SECONDS = envNum('FOLLOW_SECONDS', 30);
const SLOW = envNum('FOLLOW_SLOW_RATE', 1000);
const FAST = envNum('FOLLOW_FAST_RATE', 10_000);
const MESSAGES = process.env.FOLLOW_MESSAGES ? envNum('FOLLOW_MESSAGES', 1) : undefined;
/** The messages phase may run faster than FAST, so that 1M messages take minutes, not half an hour. */
const MESSAGES_RATE = envNum('FOLLOW_MESSAGES_RATE', FAST);
const SERVE_FLAGS = (['batch-lines', 'batch-ms', 'poll-ms'] as const).flatMap((f) => {
  const v = process.env[`FOLLOW_${f.toUpperCase().replace('-', '_')}`];
  return v ? [`--${f}`, v] : [];
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A line written at time t, waiting to be seen read and committed. */
interface Sample {
  k: number;
  t: number;
  phase: number;
}

class Watcher {
  readonly results: PhaseResult[] = [];
  private unread: Sample[] = [];
  private uncommitted: Sample[] = [];
  private unseen: Sample[] = [];
  private asking = false;
  private lastAsk = 0;
  private askingApi = false;
  private lastApi = 0;
  committed = 0;

  constructor(private readonly serve: Serve) {}

  written(s: Sample): void {
    this.unread.push(s);
    this.uncommitted.push(s);
    this.unseen.push(s);
  }

  /** One look at the database (and, at most every 10 ms, one /healthz request in flight). */
  look(): void {
    this.committed = this.serve.committed();
    const now = performance.now();
    while (this.uncommitted[0] && this.uncommitted[0].k <= this.committed) this.record(this.uncommitted.shift()!, now, 'toCommitted');
    if (!this.askingApi && now - this.lastApi >= 20) {
      this.askingApi = true;
      this.lastApi = now;
      void this.serve.apiLines().then((n) => {
        const at = performance.now();
        while (this.unseen[0] && this.unseen[0].k <= n) this.record(this.unseen.shift()!, at, 'toApi');
      }).finally(() => (this.askingApi = false));
    }
    if (this.asking || now - this.lastAsk < 10) return;
    this.asking = true;
    this.lastAsk = now;
    void this.serve.health().then((h) => {
      const at = performance.now();
      while (this.unread[0] && this.unread[0].k <= h.lines_read) this.record(this.unread.shift()!, at, 'toRead');
    }).finally(() => (this.asking = false));
  }

  private record(s: Sample, at: number, what: 'toRead' | 'toCommitted' | 'toApi'): void {
    this.results[s.phase]?.[what].push(at - s.t);
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<number> {
  const c = cpus();
  console.log(`machine: ${c[0]?.model ?? 'unknown cpu'}, ${c.length} cores, node ${process.version}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'bw-bench-follow-'));
  const log = join(dir, 'mail.log');
  const db = join(dir, 'serve.db');
  writeFileSync(log, '');
  const feed = new Feed();
  const phases: Phase[] = [
    { name: 'slow', rate: SLOW, seconds: SECONDS },
    { name: 'fast', rate: FAST, seconds: SECONDS },
    ...(MESSAGES ? [{ name: 'to messages', rate: MESSAGES_RATE, seconds: Infinity, messages: MESSAGES }] : []),
  ];
  // Log time starts far enough back that the whole replay stays in the past (serve guesses the
  // year from now). A repetition holds at least one message per 30 lines (the fixture: one per 12).
  const perRep = feed.linesPerRepetition / 30;
  const reps = phases.reduce((n, p) => n + (p.messages ? p.messages / perRep : (p.rate * p.seconds) / feed.linesPerRepetition), 0) + 2;
  const logStart = Date.now() - reps * feed.spanMs - 3_600_000;
  console.log(`serve (${serveBuild()}) ${SERVE_FLAGS.join(' ') || 'with the default --batch-lines/--batch-ms/--poll-ms'}; phases: ` +
    phases.map((p) => `${p.name} ${p.rate} lines/s ${p.messages ? `until ${p.messages} messages` : `for ${p.seconds} s`}`).join(', ') +
    ` (FOLLOW_SLOW_RATE, FOLLOW_FAST_RATE, FOLLOW_SECONDS, FOLLOW_MESSAGES, FOLLOW_MESSAGES_RATE); lines: test/fixtures/postfix-e2e/mail.log ` +
    `(${feed.linesPerRepetition} lines) replayed, host and queue ids new per repetition\n`);

  const serve = await Serve.start(db, log, SERVE_FLAGS);
  const watcher = new Watcher(serve);
  const fd = openSync(log, 'a');
  let k = 0;
  let lastCount = 0;
  let printed = 0;
  /** RSS at every 100k messages of the messages phase. */
  const trail: number[] = [];
  for (const [i, phase] of phases.entries()) {
    const t0 = performance.now();
    const k0 = k;
    const c0 = watcher.committed;
    let idTarget = phase.messages ?? Infinity;
    watcher.results.push({ phase, written: 0, seconds: 0, committedPerSecond: 0, toRead: [], toCommitted: [], toApi: [], rssMb: 0 });
    for (;;) {
      const now = performance.now();
      if (now - t0 >= phase.seconds * 1000) break;
      if (phase.messages && now - lastCount >= 1000) {
        lastCount = now;
        const m = serve.messagesSoFar();
        if (m >= idTarget) {
          // Row ids run ahead of the count (dropped traces leave gaps): count once, aim further.
          const exact = serve.messages();
          if (exact >= phase.messages) break;
          idTarget = Math.ceil((m * phase.messages) / Math.max(exact, 1));
        }
        if (Math.floor(m / 100_000) > printed) {
          printed = Math.floor(m / 100_000);
          const rss = serve.memory().rssMb;
          trail.push(rss);
          console.log(`  about ${m} messages (row ids), ${k} lines, serve RSS ${rss.toFixed(0)} MiB`);
        }
      }
      const due = k0 + Math.floor((phase.rate * (now - t0)) / 1000);
      if (due > k) {
        let text = '';
        for (; k < due; k++) text += feed.line(k, logStart) + '\n';
        writeSync(fd, text);
        watcher.written({ k, t: performance.now(), phase: i });
      }
      watcher.look();
      await sleep(2);
    }
    const r = watcher.results[i]!;
    r.written = k - k0;
    r.seconds = (performance.now() - t0) / 1000;
    r.committedPerSecond = (watcher.committed - c0) / r.seconds;
    r.rssMb = serve.memory().rssMb;
  }
  closeSync(fd);
  const drainStart = performance.now();
  while (watcher.committed < k && performance.now() - drainStart < 120_000) {
    watcher.look();
    await sleep(2);
  }
  await sleep(50);
  watcher.look();
  const drain = (performance.now() - drainStart) / 1000;
  const health = await serve.health();
  const mem = serve.memory();
  const messages = serve.messages();
  const code = await serve.stop();

  console.log(table(watcher.results));
  console.log(`\nwritten ${k} lines, committed ${watcher.committed}${watcher.committed === k ? '' : ' (NOT all: a bug)'}; ` +
    `last line committed ${drain.toFixed(2)} s after the writer stopped; ${messages} messages in the database, ${health.open_messages} open; ${health.commits} commits`);
  console.log(`serve peak RSS (VmHWM) ${mem.peakMb.toFixed(0)} MiB, RSS at the end ${mem.rssMb.toFixed(0)} MiB; serve exit code ${code}`);
  console.log('latency: per write (one every ~2 ms), from writeSync returning to the first look that saw the line read ' +
    '(/healthz lines_read, every 10 ms), committed (sum(line_counts.total), read-only, every ~2 ms) or counted by the ' +
    'API (GET /api/summary lines.total over all time, every 20 ms)');
  for (const r of watcher.results) {
    const p99 = percentile(r.toApi, 99);
    if (r.phase.rate >= 10_000 && !r.phase.messages) {
      emitResult({ target: `follow at ${r.phase.rate} lines/s: written -> in the API, p99`, figure: `${p99.toFixed(0)} ms`,
        goal: '< 1000 ms', met: p99 < 1000 });
    }
  }
  if (MESSAGES && trail.length >= 4) {
    // Flat: after the first fifth (caches and the tracker's windows filling), RSS grows < 10%.
    const settled = trail[Math.floor(trail.length / 5)]!;
    const end = trail[trail.length - 1]!;
    emitResult({ target: `follow ${messages} messages: serve RSS`, figure: `${settled.toFixed(0)} -> ${end.toFixed(0)} MiB, ` +
      `peak ${mem.peakMb.toFixed(0)} MiB`, goal: 'flat (< 10% growth after the first fifth)', met: end < settled * 1.1 });
  }
  if (code !== 0) console.error(serve.stderr().slice(-3000));
  rmSync(dir, { recursive: true, force: true });
  return code === 0 && watcher.committed === k ? 0 : 1;
}

function table(results: PhaseResult[]): string {
  const ms = (v: number) => (Number.isNaN(v) ? 'n/a' : v.toFixed(0));
  const head = ['phase', 'target/s', 'written', 'seconds', 'written/s', 'committed/s', 'read p50 ms', 'read p99 ms',
    'committed p50 ms', 'committed p99 ms', 'committed max ms', 'API p50 ms', 'API p99 ms', 'RSS MiB'];
  const cells = [head].concat(results.map((r) => [r.phase.name, String(r.phase.rate), String(r.written), r.seconds.toFixed(1),
    String(Math.round(r.written / r.seconds)), String(Math.round(r.committedPerSecond)), ms(percentile(r.toRead, 50)),
    ms(percentile(r.toRead, 99)), ms(percentile(r.toCommitted, 50)), ms(percentile(r.toCommitted, 99)),
    ms(percentile(r.toCommitted, 100)), ms(percentile(r.toApi, 50)), ms(percentile(r.toApi, 99)), r.rssMb.toFixed(0)]));
  const widths = head.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

process.exitCode = await main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  return 1;
});
