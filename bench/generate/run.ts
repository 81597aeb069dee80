// The generator's main loop: units start at times spread evenly over the period by the number
// of lines planned so far, lines are written in time order as soon as no later unit can
// precede them, and the truth files are written alongside.
import { writeFileSync } from 'node:fs';
import type { Ctx } from './context.ts';
import { eximUnit } from './exim/mix.ts';
import { Host } from './hosts.ts';
import { RemoteWorld } from './names.ts';
import type { Options } from './options.ts';
import { postfixUnit } from './postfix/mix.ts';
import { Random } from './random.ts';
import { Scheduler, Unit } from './schedule.ts';
import { Stamper } from './stamp.ts';
import { Truth } from './truth.ts';

const DAY = 86_400_000;
/** The last unit starts this long before --end, so its short lifecycle still fits. */
const MARGIN = 10 * 60_000;

export interface RunResult {
  lines: number;
  seconds: number;
  peakInFlight: number;
}

export function generate(o: Options): RunResult {
  const started = process.hrtime.bigint();
  const r = new Random(o.seed);
  const world = new RemoteWorld(r);
  const hosts = Array.from({ length: o.hosts }, (_, i) => new Host(`mx${i + 1}`, r, [0.4, 0.25, 0.6][i % 3]!, i % 2 === 0 ? 'lmtp' : 'local'));
  const localDomains = new Set(hosts.flatMap((h) => h.localDomains()));
  const truth = new Truth(`${o.out}.truth.jsonl`, localDomains);
  const out = new Scheduler(o.out, new Stamper(o.format));
  const start = o.end - o.days * DAY;
  const span = o.end - start - MARGIN;
  const unitOf = o.mta === 'postfix' ? postfixUnit : eximUnit;
  let planned = 0;
  let peak = 0;
  while (planned < o.lines) {
    const t = start + Math.floor((span * planned) / o.lines);
    out.writeUntil(t);
    const unit = new Unit();
    const ctx: Ctx = { r, world, host: hosts[r.int(0, hosts.length - 1)]!, unit, truth, end: o.end, syslog: o.format !== 'mainlog' };
    unitOf(ctx, t);
    planned += unit.length;
    truth.lines.mail += unit.mail;
    truth.lines.other += unit.other;
    out.add(unit);
    if (out.inFlight > peak) peak = out.inFlight;
  }
  out.close();
  truth.lines.total = truth.lines.mail + truth.lines.other;
  truth.close();
  writeFileSync(`${o.out}.truth.json`, `${JSON.stringify({
    generator: { mta: o.mta, format: o.format, seed: o.seed, days: o.days, end: new Date(o.end).toISOString(), hosts: hosts.map((h) => h.name), lines_requested: o.lines },
    // A mainlog names no host: bouncewatch files its messages under the importing machine's name.
    host_in_log: o.format !== 'mainlog',
    local_domains: [...localDomains],
    lines: truth.lines,
    messages: truth.messages,
    report: truth.report,
  }, null, 2)}\n`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { lines: out.written, seconds, peakInFlight: peak };
}
