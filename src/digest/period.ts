// The digest's two periods: the one asked for (--since/--until) and the one just before it,
// of the same length, plus the short label ("24h") that the subject and headings use.
import { parseTime } from '../cli/time.ts';
import type { Period } from '../store/queries.ts';

export interface DigestPeriods {
  current: Period;
  previous: Period;
  /** "24h" when --since was a span, else the period's length ("17m 8s", "3d"). */
  label: string;
}

const SPAN = /^\s*(\d+)\s*(m|h|d|w)\s*$/;
const UNITS: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];

/** A length as its two largest non-zero units: 3d, 1d 6h, 17m 8s, 0s. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(ms / 1000) * 1000);
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`);
  }
  const shown = parts.slice(0, 2).filter((p, i) => i === 0 || !p.startsWith('0'));
  return shown.length > 0 ? shown.join(' ') : '0s';
}

/**
 * A span in --since counts back from --until when one is given (so `--since 24h --until
 * 2026-11-28` is that calendar day), otherwise from now, like the other commands.
 */
export function digestPeriods(since: string, until: string | undefined, now = Date.now()): DigestPeriods {
  const to = until === undefined ? now : parseTime(until, '--until', now);
  const from = parseTime(since, '--since', to);
  if (!(from < to)) throw new Error(`--since: "${since}" is not before the end of the period (${new Date(to).toISOString()})`);
  const span = SPAN.exec(since);
  const label = span ? `${span[1]}${span[2]}` : formatDuration(to - from);
  return { current: { from, to }, previous: { from: from - (to - from), to: from }, label };
}
