// How the digest writes things: strings from the logs escaped (they were written by
// strangers: never markup, never terminal control), times, and plain-text tables that fit
// a terminal mail client in 78 characters.
import { visible } from '../report/terminal-text.ts';
import type { Period } from '../store/types.ts';

// Control characters are made visible by the one helper every human output uses.
export { visible };

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML text or attribute value (quoted): every markup character as an entity. */
export function html(s: string): string {
  return visible(s).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Cuts a string to `width` characters, marking the cut. */
export function clip(s: string, width: number): string {
  const chars = [...s];
  return chars.length <= width ? s : `${chars.slice(0, Math.max(1, width - 1)).join('')}…`;
}

export const WIDTH = 78;

/** ISO 8601 without the milliseconds when there are none: shorter in a command line or URL. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** "2026-11-27 19:00", with seconds only when there are some. */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const secs = iso.slice(17, 19);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${secs === '00' ? '' : `:${secs}`}`;
}

/** "2026-11-27 19:00 – 20:00 UTC" (the date once when both ends are on the same day). */
export function formatPeriod(p: Period): string {
  const from = formatTime(p.from);
  const to = formatTime(p.to);
  const sameDay = from.slice(0, 10) === to.slice(0, 10);
  return `${from} – ${sameDay ? to.slice(11) : to} UTC`;
}

const len = (s: string): number => [...s].length;
const pad = (s: string, w: number, right: boolean): string => {
  const fill = ' '.repeat(Math.max(0, w - len(s)));
  return right ? fill + s : s + fill;
};

export interface Column {
  head: string;
  right?: boolean;
  /** Cells from the logs: shown with control characters made visible, and cut first. */
  untrusted?: boolean;
}

/** Rows under a heading row, indented by two spaces, columns two spaces apart. */
export function textTable(cols: Column[], rows: string[][], indent = 2): string[] {
  const cells = rows.map((r) => r.map((c, i) => (cols[i]?.untrusted ? visible(c) : c)));
  const widths = cols.map((c, i) => Math.max(len(c.head), ...cells.map((r) => len(r[i] ?? ''))));
  const total = () => indent + widths.reduce((a, w) => a + w, 0) + 2 * (widths.length - 1);
  // Too wide: take from the widest left-aligned column, down to 10 characters each.
  while (total() > WIDTH) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (!cols[i]?.right && w > 10 && (widest < 0 || w > widths[widest]!)) widest = i;
    });
    if (widest < 0) break;
    widths[widest] = Math.max(10, widths[widest]! - (total() - WIDTH));
  }
  const line = (r: string[]) =>
    (' '.repeat(indent) + r.map((c, i) => pad(clip(c, widths[i]!), widths[i]!, cols[i]?.right ?? false)).join('  ')).trimEnd();
  return [line(cols.map((c) => c.head)), ...cells.map(line)];
}

/** Words wrapped to WIDTH; the first line starts with `first`, the others with `rest`. */
export function wrap(text: string, first: string, rest: string): string[] {
  const out: string[] = [];
  let line = first;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const start = line === first || line === rest;
    if (!start && len(line) + 1 + len(word) > WIDTH) {
      out.push(line);
      line = rest + word;
    } else {
      line += (start ? '' : ' ') + word;
    }
  }
  out.push(line);
  return out;
}

/** A bar of `#` for n out of max, at most `width` long; at least one mark for any n > 0. */
export function textBar(n: number, max: number, width = 16): string {
  if (n <= 0 || max <= 0) return '';
  return '#'.repeat(Math.max(1, Math.round((width * n) / max)));
}

/** The width of a bar in percent (HTML), at least 2% so a small number still shows. */
export function barPercent(n: number, max: number): number {
  if (n <= 0 || max <= 0) return 0;
  return Math.max(2, Math.round((100 * n) / max));
}
