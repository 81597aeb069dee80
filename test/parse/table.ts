// The per-daemon parser tables (as Lightmeter keeps one test beside each parser): real lines a
// Postfix or Exim run by our e2e harness wrote (test/fixtures/), and the event each must give,
// written out by reading the line. 'known': understood, but about no one message's fate.
import { describe, expect, it } from 'vitest';
import type { MailEvent } from '../../src/parse/events.ts';
import { LineParser } from '../../src/parse/line.ts';

export type Expected = MailEvent | 'known';
/** `gap`: the parser does not give this yet (why); the row is expected to fail until it does. */
export type Row = readonly [line: string, expected: Expected, gap?: string];

/** The harness's logs are of December 2026; Exim's mainlog names no host: it is the harness's mx1. */
const parserOptions = { year: 2026, mainlogHost: 'mx1' };

function expectParsed(line: string, expected: Expected): void {
  const parsed = new LineParser(parserOptions).parse(line);
  expect(parsed.cls, 'an MTA line we understand').toBe('mail');
  if (expected === 'known') expect(parsed.event).toBeUndefined();
  else expect(parsed.event).toEqual(expected);
}

export function parserTable(title: string, rows: readonly Row[]): void {
  describe(title, () => {
    for (const [line, expected, gap] of rows) {
      if (gap === undefined) it(line, () => expectParsed(line, expected));
      else it.fails(`${line} (known gap: ${gap})`, () => expectParsed(line, expected));
    }
  });
}
