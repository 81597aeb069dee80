// Times a person types (--since, --until, the API's from and to): ISO 8601 with every field
// in its range, or (for the commands' flags) a span back from now. Date.parse alone would roll
// 2026-02-30 over to March 2 and take 0000-01-01.

// YYYY-MM-DD, optionally Thh:mm[:ss[.fff]] and Z or an offset: the forms the dashboard sends.
const ISO = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.\d{1,9})?)?(?:Z|[+-](\d\d):?(\d\d))?)?$/i;

/** The time in ms, or undefined when the text is not a real ISO 8601 date and time. */
export function parseIsoTime(v: string): number | undefined {
  const m = ISO.exec(v);
  if (!m) return undefined;
  const [y, mo, d, h = 0, mi = 0, s = 0, oh = 0, om = 0] = m.slice(1).map((x) => (x === undefined ? undefined : Number(x)));
  const days = new Date(Date.UTC(y!, mo!, 0)).getUTCDate();
  // Mail logs begin after 1970; 0000-01-01 and the like are typing mistakes, not periods.
  const real = y! >= 1970 && mo! >= 1 && mo! <= 12 && d! >= 1 && d! <= days && h <= 23 && mi <= 59 && s <= 59 && oh <= 23 && om <= 59;
  const t = real ? Date.parse(v) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

/** A span back from a time, as --since takes it: 30m, 24h, 7d, 2w. */
const SPAN = /^\s*(\d+)\s*(m|h|d|w)\s*$/;
const SPAN_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The span as given ("24h"), or undefined when the text is not a span. */
export function spanLabel(text: string): string | undefined {
  const m = SPAN.exec(text);
  return m ? `${m[1]}${m[2]}` : undefined;
}

/** A time argument (--since, --until): ISO 8601, or a span back from `now`. Errors name the flag. */
export function parseTime(text: string, name: string, now = Date.now()): number {
  const span = SPAN.exec(text);
  if (span) return now - Number(span[1]) * SPAN_MS[span[2]!]!;
  const t = parseIsoTime(text.trim());
  if (t === undefined) throw new Error(`${name}: "${text}" is neither an ISO 8601 time (a real date, like 2026-11-27 or 2026-11-27T18:00:00Z) nor a span like 24h or 7d`);
  return t;
}
