// Strings from the logs were written by strangers (a HELO, an address, a reply text): they
// must reach the reader literally, never as markup or as terminal control sequences.

// C0/C1 controls (an ESC would drive the reader's terminal), and the bidi and zero-width
// controls that can make a string look like a different one.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/gu;

/** Shows invisible and control characters as \u{...} so what is there can be seen. */
export function visible(s: string): string {
  return s.replace(INVISIBLE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

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
