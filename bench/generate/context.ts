// What every scenario builder gets: the seeded random source, the remote world, the host it
// runs on, the unit its lines go into, the truth it must report, and the log's end (lines
// after it are never written, so a lifecycle that would outlast the log is cut and pending).
import type { Host } from './hosts.ts';
import type { RemoteWorld } from './names.ts';
import type { Random } from './random.ts';
import type { Unit } from './schedule.ts';
import type { Truth } from './truth.ts';

export interface Ctx {
  r: Random;
  world: RemoteWorld;
  host: Host;
  unit: Unit;
  truth: Truth;
  end: number;
  /** Syslog prefix shape (host and program[pid]); false for the Exim mainlog, which has neither. */
  syslog: boolean;
}

/** Delays printed the way Postfix prints them: two significant decimals at most, no trailing zeros. */
export function secs(ms: number): string {
  // Integer arithmetic: toFixed and a regex per field were a measurable share of the run.
  if (ms >= 10_000) return String(Math.round(ms / 1000));
  if (ms >= 1000) {
    const d = Math.round(ms / 100);
    return d % 10 === 0 ? String(d / 10) : `${(d - (d % 10)) / 10}.${d % 10}`;
  }
  const c = Math.round(ms / 10);
  if (c === 0) return '0';
  if (c === 100) return '1';
  const digits = c % 10 === 0 ? String(c / 10) : c < 10 ? `0${c}` : String(c);
  return `0.${digits}`;
}

const HEX = '0123456789ABCDEF';

/** A downstream server's own queue id: 12 hex digits, a length our hosts never use. */
export function foreignId(ctx: Ctx): string {
  let s = '';
  for (let i = 0; i < 12; i++) s += HEX[ctx.r.int(0, 15)];
  return s;
}
