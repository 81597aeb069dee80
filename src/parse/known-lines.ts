// "Known line" patterns: a line is understood (and carries no message fate) when it starts with
// one of a list of alternatives. Each list keeps one alternative a line, beside what logs it.

/** `^(?:a|b|...)` from regex literals; their flags are not carried over (they have none). */
export function startsWithOneOf(alternatives: readonly RegExp[]): RegExp {
  return new RegExp(`^(?:${alternatives.map((a) => a.source).join('|')})`);
}
