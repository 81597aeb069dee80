// Blank lines (empty, or only spaces, tabs and a CR) are no MTA's output: they are neither
// "not understood" nor counted as log lines; the import's summary says how many it skipped.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliOk } from './run-cli.ts';

const LINES = [
  '',
  'Nov 27 18:00:35 mx1 postfix/smtpd[4712]: 477F516C0E3: client=unknown[127.1.73.105]',
  '   ',
  'Nov 27 18:00:35 mx1 postfix/cleanup[4715]: 477F516C0E3: message-id=<po-S3-0001@127.1.73.105>',
  '\t',
  'Nov 27 18:00:35 mx1 postfix/qmgr[4654]: 477F516C0E3: from=<ghost252@shop47.victims.test>, size=515, nrcpt=1 (queue active)',
  '\r',
  'Nov 27 18:00:35 mx1 postfix/qmgr[4654]: 477F516C0E3: removed',
  // An MTA line nobody understands is still counted as such.
  'Nov 27 18:00:36 mx1 postfix/smtpd[4712]: a line no Postfix version writes',
  ' \t ',
  '',
];

describe('blank lines', () => {
  it('are not counted as not understood, nor as lines, and the summary says how many were skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-blank-'));
    const file = join(dir, 'mail.log');
    writeFileSync(file, `${LINES.join('\n')}\n`);
    const db = join(dir, 'bw.db');
    const summary = cliOk(['import', '--db', db, '--year', '2026', file]);
    expect(summary).toMatch(/imported 5 lines .*: 4 mail, 1 not understood, 0 other programs; 6 blank line\(s\) skipped/);
    const report = JSON.parse(cliOk(['report', '--db', db, '--json'])) as { lines: Record<string, number> };
    expect(report.lines).toEqual({ total: 5, mail: 4, unknown: 1, other: 0 });
  });
});
