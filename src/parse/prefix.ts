// Takes the prefix off a log line: classic syslog (no year), RFC 3339 syslog, Postfix's own
// maillog_file (classic shape) and the Exim mainlog. Knows nothing of what the body means.
import { hostname } from 'node:os';
import type { LineHead } from './events.ts';
import { YearGuesser } from './year.ts';

// Each body is the rest of the line after the match: capturing it with (.*)$ cost a third of
// the prefix's time (a scan of every body for line terminators). Solaris and other old
// syslogds put a message tag `[ID 197553 mail.info] ` after the program: part of the prefix.
const CLASSIC = /^[A-Z][a-z]{2} (?: \d|\d{1,2}) \d\d:\d\d:\d\d(?:\.\d+)? (\S+) ([^\s[:]+)(?:\[\d+\])?: ?(?:\[ID \d+ [a-z0-9]+\.[a-z]+\] )?/;
const MONTH_BY_CODES = new Map(
  ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((name, i) => [
    (name.charCodeAt(0) << 16) | (name.charCodeAt(1) << 8) | name.charCodeAt(2),
    i,
  ]),
);

/** Two ASCII digits at `at` as a number (the regex has checked they are digits). */
function digits2(line: string, at: number): number {
  return (line.charCodeAt(at) - 48) * 10 + line.charCodeAt(at + 1) - 48;
}
const RFC3339 =
  /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)? (\S+) ([^\s[:]+)(?:\[\d+\])?: ?(?:\[ID \d+ [a-z0-9]+\.[a-z]+\] )?/;
/** Exim mainlog: `2026-11-27 18:03:34[.123] [+0100] [[pid]] body`. */
const EXIM_MAINLOG = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?(?: ([+-]\d{4}))?(?: \[\d+\])? /;

export interface PrefixOptions {
  /** Year for classic lines; guessed from `refTime` when absent. */
  year?: number;
  /** Reference "now" for the year guess (a file's mtime); injectable for tests. */
  refTime?: () => number;
  /** Host name for Exim mainlog lines, which carry none. */
  mainlogHost?: string;
  /** The year state saved where an earlier import of this file stopped (see YearGuesser). */
  yearState?: number;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Is this a real calendar time? `Dec 99`, Feb 30 or hour 99 would roll over into another
 * day with Date's lenient arithmetic; such a line is not understood rather than misdated.
 * Seconds may be 60 (a leap second); years before 1970 or after 9999 are no log's.
 */
export function validTime(year: number, month: number, day: number, hour: number, min: number, sec: number): boolean {
  if (year < 1970 || year > 9999 || month < 0 || month > 11 || day < 1 || hour > 23 || min > 59 || sec > 60) return false;
  const leap = month === 1 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0);
  return day <= DAYS_IN_MONTH[month]! + (leap ? 1 : 0);
}

function zoneOffsetMs(zone: string | undefined): number {
  if (!zone || zone === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
}

/** A zone offset of at most 23:59 (`+9999` is no zone). */
function validZone(zone: string | undefined): boolean {
  if (!zone || zone === 'Z') return true;
  const digits = zone.slice(1).replace(':', '');
  return Number(digits.slice(0, 2)) <= 23 && Number(digits.slice(2, 4)) <= 59;
}

function fraction(frac: string | undefined): number {
  return frac ? Math.floor(Number(`0${frac}`) * 1000) : 0;
}

function daemonOf(program: string): string {
  const slash = program.lastIndexOf('/');
  return slash < 0 ? program : program.slice(slash + 1);
}

export class PrefixParser {
  private readonly years: YearGuesser;
  private readonly mainlogHost: string;
  // Local-time conversion is slow; lines arrive in order, so cache the start of the hour.
  private hourKey = -1;
  private hourStart = 0;

  constructor(opts: PrefixOptions = {}) {
    this.years = new YearGuesser(opts.year, opts.refTime, opts.yearState);
    // The mainlog names no host: it is this machine's, unless the caller says otherwise.
    this.mainlogHost = opts.mainlogHost ?? hostname().split('.')[0] ?? 'localhost';
  }

  /** What a resumed import needs to go on in the same year (undefined when there is nothing to keep). */
  get yearState(): number | undefined {
    return this.years.state;
  }

  parse(line: string): LineHead | undefined {
    const c0 = line.charCodeAt(0);
    if (c0 >= 65 && c0 <= 90) return this.classic(line);
    if (c0 >= 48 && c0 <= 57) return line.charCodeAt(10) === 84 /* T */ ? this.rfc3339(line) : this.mainlog(line);
    return undefined;
  }

  private classic(line: string): LineHead | undefined {
    const m = CLASSIC.exec(line);
    if (!m) return undefined;
    // The regex only checks the date and time; their digits are read by position (captures
    // are substrings, and these were most of the prefix's cost).
    const month = MONTH_BY_CODES.get((line.charCodeAt(0) << 16) | (line.charCodeAt(1) << 8) | line.charCodeAt(2));
    if (month === undefined) return undefined;
    const padded = line.charCodeAt(4) === 32; // "Nov  3"
    const short = line.charCodeAt(5) === 32; // "Nov 3"
    const day = padded ? line.charCodeAt(5) - 48 : short ? line.charCodeAt(4) - 48 : digits2(line, 4);
    const t = short ? 6 : 7;
    const hour = digits2(line, t);
    const min = digits2(line, t + 3);
    const sec = digits2(line, t + 6);
    // Checked before the year guess, so an impossible date cannot move the guesser's year.
    if (!validTime(2000, month, day, hour, min, sec)) return undefined;
    const year = this.years.yearFor(month, day);
    if (month === 1 && day === 29 && !validTime(year, month, day, hour, min, sec)) return undefined;
    const key = ((year * 12 + month) * 32 + day) * 24 + hour;
    if (key !== this.hourKey) {
      this.hourKey = key;
      this.hourStart = new Date(year, month, day, hour).getTime();
    }
    const time = this.hourStart + (min * 60 + sec) * 1000;
    return { time, host: m[1]!, program: m[2]!, daemon: daemonOf(m[2]!), body: line.slice(m[0].length) };
  }

  private rfc3339(line: string): LineHead | undefined {
    const m = RFC3339.exec(line);
    if (!m) return undefined;
    if (!validTime(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) || !validZone(m[8])) return undefined;
    const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
    const time = utc + fraction(m[7]) - zoneOffsetMs(m[8]);
    return { time, host: m[9]!, program: m[10]!, daemon: daemonOf(m[10]!), body: line.slice(m[0].length) };
  }

  private mainlog(line: string): LineHead | undefined {
    const m = EXIM_MAINLOG.exec(line);
    if (!m) return undefined;
    const y = Number(m[1]), mo = Number(m[2]) - 1, d = Number(m[3]);
    if (!validTime(y, mo, d, Number(m[4]), Number(m[5]), Number(m[6])) || !validZone(m[8])) return undefined;
    let time: number;
    if (m[8]) {
      time = Date.UTC(y, mo, d, Number(m[4]), Number(m[5]), Number(m[6])) - zoneOffsetMs(m[8]);
    } else {
      // No zone: Exim wrote local time. As for classic lines, the hour's start is cached.
      const hour = Number(m[4]);
      const key = ((y * 12 + mo) * 32 + d) * 24 + hour;
      if (key !== this.hourKey) {
        this.hourKey = key;
        this.hourStart = new Date(y, mo, d, hour).getTime();
      }
      time = this.hourStart + (Number(m[5]) * 60 + Number(m[6])) * 1000;
    }
    return { time: time + fraction(m[7]), host: this.mainlogHost, program: 'exim', daemon: 'exim', body: line.slice(m[0].length) };
  }
}
