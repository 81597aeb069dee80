// Times a person types (--since, --until, the API's from and to): ISO 8601 with every field
// in its range. Date.parse alone would roll 2026-02-30 over to March 2 and take 0000-01-01.

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
