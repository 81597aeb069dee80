// The generator's options: parsed and checked once, each error naming the flag, so a long run
// never starts with a bad value.

export type Mta = 'postfix' | 'exim';
/** classic/rfc3339: syslog prefixes (Postfix, or Exim through syslog); mainlog: Exim's own file. */
export type Format = 'classic' | 'rfc3339' | 'mainlog';

export interface Options {
  mta: Mta;
  lines: number;
  out: string;
  seed: number;
  days: number;
  /** Time of the last line, ms since the epoch. */
  end: number;
  format: Format;
  hosts: number;
}

export const USAGE =
  'usage: node --import tsx bench/generate.ts --mta postfix|exim --lines N --out FILE [--seed S] [--days D] ' +
  '[--end 2026-11-01T00:00:00Z] [--format classic|rfc3339|mainlog] [--hosts K]';

export class OptionError extends Error {}

function wholeNumber(flag: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new OptionError(`${flag} must be a whole number from ${min} to ${max}, not "${v}"`);
  return n;
}

export function parseOptions(argv: readonly string[]): Options {
  const raw = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (!flag.startsWith('--') || value === undefined) throw new OptionError(`expected --flag VALUE pairs, got "${flag}"`);
    raw.set(flag, value);
  }
  const known = new Set(['--mta', '--lines', '--out', '--seed', '--days', '--end', '--format', '--hosts']);
  for (const k of raw.keys()) if (!known.has(k)) throw new OptionError(`unknown flag ${k}`);

  const mta = raw.get('--mta');
  if (mta !== 'postfix' && mta !== 'exim') throw new OptionError('--mta must be postfix or exim');
  const out = raw.get('--out');
  if (!out) throw new OptionError('--out FILE is required');
  if (!raw.has('--lines')) throw new OptionError('--lines N is required');
  const lines = wholeNumber('--lines', raw.get('--lines')!, 1, 1e10);
  const seed = wholeNumber('--seed', raw.get('--seed') ?? '1', 0, 2 ** 32 - 1);
  const days = wholeNumber('--days', raw.get('--days') ?? '30', 1, 3650);
  const hosts = wholeNumber('--hosts', raw.get('--hosts') ?? '1', 1, 64);
  const endText = raw.get('--end') ?? '2026-11-01T00:00:00Z';
  const end = Date.parse(endText);
  if (!Number.isFinite(end)) throw new OptionError(`--end must be an ISO 8601 time, not "${endText}"`);
  const format = (raw.get('--format') ?? (mta === 'postfix' ? 'classic' : 'mainlog')) as Format;
  if (format !== 'classic' && format !== 'rfc3339' && format !== 'mainlog') {
    throw new OptionError('--format must be classic, rfc3339 or mainlog');
  }
  if (format === 'mainlog' && mta !== 'exim') throw new OptionError('--format mainlog is for --mta exim');
  // The mainlog names no host: several hosts only make sense through a syslog server.
  if (format === 'mainlog' && hosts > 1) throw new OptionError('--hosts above 1 needs a syslog --format (classic or rfc3339)');
  return { mta, lines, out, seed, days, end, format, hosts };
}
