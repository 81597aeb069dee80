// One log line to a ParsedLine: prefix first, then the MTA parser chosen by program name.
// Lines of other programs (dovecot, amavis, ...) are 'other'; MTA lines not understood are
// 'unknown' (counted and sampled by the caller, never thrown).
import type { ParsedLine } from './events.ts';
import { PrefixParser, type PrefixOptions } from './prefix.ts';
import { isPostfixProgram, parsePostfixBody } from './postfix/index.ts';

export class LineParser {
  private readonly prefix: PrefixParser;

  constructor(opts: PrefixOptions = {}) {
    this.prefix = new PrefixParser(opts);
  }

  parse(line: string): ParsedLine {
    const head = this.prefix.parse(line);
    if (!head) return { cls: 'unknown' };
    if (isPostfixProgram(head.program)) {
      const r = parsePostfixBody(head.daemon, head.body);
      if (r === undefined) return { head, cls: 'unknown' };
      if (r === 'known') return { head, cls: 'mail' };
      return { head, cls: 'mail', event: r };
    }
    return { head, cls: 'other' };
  }
}
