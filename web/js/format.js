// Formatting of numbers, shares and times for display (times in the browser's time zone).

const NUM = new Intl.NumberFormat('en-US');
const pad = (n) => String(n).padStart(2, '0');

export const fmtNum = (n) => (typeof n === 'number' && Number.isFinite(n) ? NUM.format(n) : '–');

/** Share a / (a + b) as a percentage, or '–' when both are 0. */
export function fmtShare(a, b) {
  const total = a + b;
  if (!total) return '–';
  const pct = (100 * a) / total;
  return `${pct >= 10 || pct === 0 ? Math.round(pct) : pct.toFixed(1)}%`;
}

/** 'YYYY-MM-DD HH:MM:SS' in local time; the input unchanged when it is not a date. */
export function fmtTime(iso, withSeconds = true) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}${withSeconds ? `:${pad(d.getSeconds())}` : ''}`;
  return `${day} ${time}`;
}

/** A chart label for a bucket start: the day, or the day and hour. */
export function fmtBucket(iso, bucket) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return bucket === 'day' ? day : `${day} ${pad(d.getHours())}:00`;
}

/** 'YYYY-MM-DDTHH:MM' (local) for an <input type="datetime-local">. */
export function toLocalInput(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Text for a value of unknown shape (null, number, string, list, flat object). */
export function describe(v) {
  if (v === null || v === undefined || v === '') return '–';
  if (typeof v === 'number') return fmtNum(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.map(describe).join(', ');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k.replace(/_/g, ' ')}: ${describe(x)}`).join(' · ');
  return String(v);
}

/** A value from the API shown as text: null and '' become '–'. */
export const text = (v) => (v === null || v === undefined || v === '' ? '–' : String(v));

/** A recipient address: null when the log names none (an Exim system filter's cancellation). */
export const addressText = (v) => (v === null || v === undefined ? '(address not logged)' : text(v));

// Control and invisible format characters (C0, DEL, C1, zero-width, bidi marks, embeddings,
// overrides and isolates, line and paragraph separators, BOM), as src/report/terminal-text.ts
// lists them: a bidi override in a log string could make it read as another.
// eslint-disable-next-line no-control-regex -- these are what it looks for
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/gu;

/** A log string with its invisible characters shown as \u{...}, as the CLI and the digest show them. */
export const visible = (v) => text(v).replace(INVISIBLE, (c) => `\\u{${c.codePointAt(0).toString(16)}}`);
