// Strings from the logs on a terminal: written by strangers (a forged sender, a remote server's
// reply), so every control character is shown as an escape and can never drive the terminal.
// The one helper for every human output (report, messages, advise, audit, digest, errors).

/**
 * Besides the C0 controls (newline included: inside a one-line field it is forged layout): DEL,
 * the C1 controls (U+009B is CSI to some terminals), and the invisible format characters that
 * can make a string look like another: zero-width, bidi marks, embeddings, overrides and
 * isolates, the line and paragraph separators, and the byte-order mark.
 */
const NOT_C0 = '\\u007f-\\u009f\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff';
const INVISIBLE = new RegExp(`[\\u0000-\\u001f${NOT_C0}]`, 'gu');
// What JSON.stringify leaves as it is (it escapes U+0000 to U+001F only).
const JSON_RAW = new RegExp(`[${NOT_C0}]`, 'gu');

/** Shows invisible and control characters as \u{...} so what is there can be seen. */
export function visible(s: string): string {
  return s.replace(INVISIBLE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** Lines the tool laid out, each made visible, joined by the only newlines that reach the terminal. */
export function visibleLines(lines: readonly string[]): string {
  return lines.map(visible).join('\n');
}

/**
 * JSON for a terminal or a pipe: JSON.stringify, then DEL, C1 and the invisible format
 * characters as \uXXXX escapes too. They occur only inside strings, and every JSON reader
 * decodes them back to the same text.
 */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value).replace(JSON_RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
