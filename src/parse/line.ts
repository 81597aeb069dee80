// One log line to a ParsedLine: prefix first, then the MTA parser chosen by program name.
// Lines of other programs (dovecot, amavis, ...) are 'other'; MTA lines not understood are
// 'unknown' (counted and sampled by the caller, never thrown).
import type { ParsedLine } from './events.ts';
import { PrefixParser, type PrefixOptions } from './prefix.ts';
import { isPostfixProgram, parsePostfixBody } from './postfix/index.ts';
import { isEximProgram, parseEximBody } from './exim.ts';

export class LineParser {
  private readonly prefix: PrefixParser;

  constructor(opts: PrefixOptions = {}) {
    this.prefix = new PrefixParser(opts);
  }

  get yearState(): number | undefined {
    return this.prefix.yearState;
  }

  parse(line: string): ParsedLine {
    const head = this.prefix.parse(line);
    if (!head) return { cls: 'unknown' };
    let r;
    if (isPostfixProgram(head.program)) r = parsePostfixBody(head.daemon, head.body);
    else if (isEximProgram(head.program)) r = parseEximBody(head.body);
    else return { head, cls: 'other' };
    if (r === undefined) return { head, cls: 'unknown' };
    if (r === 'known') return { head, cls: 'mail' };
    return { head, cls: 'mail', event: r };
  }
}
