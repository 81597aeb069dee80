// RFC 5321 quoted local parts ("x y"@d, "a>b, c"@d, "a\"b"@d) in log fields, for the Postfix and
// Exim parsers: such a local part may hold the `>`, `,`, `;`, `: ` or ` X=` that end a field, so
// the field patterns run on a copy of the line with the quoted text blanked out.

/**
 * A quoted local part: a quoted string after `<` or at the start of the text (Exim), followed by
 * `@`. The `@` keeps a stray `<"` (in a HELO name, say) from blanking the fields after it.
 */
const QUOTED_LOCAL = /(?:^|<)"(?:[^"\\]|\\.)*"(?=@)/g;

/**
 * The text with the inside of every quoted local part replaced by `_`, at the same length, so a
 * position in it is a position in the text. Text without one (nearly every line) is returned as
 * it is, after one search.
 */
export function maskQuoted(text: string): string {
  if (!text.includes('<"') && text.charCodeAt(0) !== 34) return text;
  return text.replace(QUOTED_LOCAL, (q) => {
    const open = q.indexOf('"');
    return `${q.slice(0, open + 1)}${'_'.repeat(q.length - open - 2)}"`;
  });
}

export type Captures = readonly (string | undefined)[];

/**
 * `re` as a function whose address captures keep their quoted local parts whole. Lines without a
 * quoted local part take `re` itself; the others match a copy compiled with the `d` flag on the
 * masked text, and every capture is cut from the real text at the positions it matched.
 */
export function quoteAware(re: RegExp): (text: string) => Captures | null {
  const indexed = new RegExp(re.source, `${re.flags}d`);
  return (text) => {
    const masked = maskQuoted(text);
    if (masked === text) return re.exec(text);
    const m = indexed.exec(masked);
    return m?.indices ? m.indices.map((r) => (r ? text.slice(r[0], r[1]) : undefined)) : null;
  };
}

/** Index just past the quoted string that opens at `start`, or -1 when it never closes. */
export function quotedEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++; // a backslash quotes the next character, `"` and `\` included
    else if (c === 34) return i + 1;
  }
  return -1;
}

/** Words split at spaces outside quoted strings (Exim's `for a@d "x y"@d` recipient list). */
export function splitWords(text: string): string[] {
  if (!text.includes('"')) return text.split(' ');
  return text.match(/(?:"(?:[^"\\]|\\.)*"|[^\s"]|")+/g) ?? [];
}

/** The local part without its quotes and backslashes, as Exim prints a delivered address. */
export function unquotedLocal(address: string): string {
  const at = address.lastIndexOf('@');
  const local = at < 0 ? address : address.slice(0, at);
  const end = local.charCodeAt(0) === 34 ? quotedEnd(local, 0) : -1;
  return end === local.length ? local.slice(1, -1).replace(/\\(.)/g, '$1') : local;
}

/** The address with its local part unquoted: `"x y"@d` -> `x y@d`. */
export function unquoted(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? unquotedLocal(address) : `${unquotedLocal(address)}${address.slice(at)}`;
}

// RFC 5321 Dot-string: what a local part may be without quotes.
const DOT_STRING = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** `local@domain` in its RFC 5321 form: the local part quoted when it must be. */
export function quotedForm(local: string, domain: string): string {
  return DOT_STRING.test(local) ? `${local}@${domain}` : `"${local.replace(/[\\"]/g, '\\$&')}"@${domain}`;
}
