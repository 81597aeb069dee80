// Solaris and other old syslogds tag each line `[ID n facility.level] ` after the program
// (issue 13, item 4). A hand-written lifecycle in that shape (test/fixtures/solaris-tag) must be
// understood line by line and correlated into one delivered message.
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { LineParser } from '../../src/parse/line.ts';
import { runBouncewatch } from '../e2e/check-truth.ts';

const LOG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/solaris-tag/mail.log');

describe('syslog message tag [ID n facility.level]', () => {
  it('is part of the prefix, in classic and RFC 3339 lines', () => {
    const parser = new LineParser({ year: 2026 });
    const classic = parser.parse('Jan 26 00:57:38 relay.cs.tcd.ie postfix/smtpd[9779]: [ID 197553 mail.info] 9F2183652: client=unknown[198.51.100.7]');
    expect(classic.event).toMatchObject({ kind: 'client', qid: '9F2183652', client: { ip: '198.51.100.7' } });
    const rfc = parser.parse('2026-01-26T00:57:39+00:00 relay postfix/qmgr[1812]: [ID 197553 mail.info] 9F2183652: removed');
    expect(rfc.event).toMatchObject({ kind: 'removed', qid: '9F2183652' });
  });

  it('a whole lifecycle with the tag on every line is understood and correlated', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'bw-solaris-'));
    try {
      const { messages, report } = await runBouncewatch(LOG, 2026, path.join(tmp, 'bw.db'));
      expect(report.accepted).toBe(1);
      const bin = path.resolve(path.dirname(LOG), '../../../bin/bouncewatch.js');
      const full = JSON.parse(execFileSync(process.execPath, [bin, 'report', '--db', path.join(tmp, 'bw.db'), '--json'], { encoding: 'utf8' })) as { lines: object };
      expect(full.lines).toMatchObject({ unknown: 0, mail: 7 });
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({
        host: 'relay.cs.tcd.ie', queue_id: '9F2183652', origin: 'smtp', client_ip: '198.51.100.7', sender: 'news@shop.example',
        message_id: '20260126005738.AB12@shop.example', outcome: 'delivered',
        recipients: [{ address: 'alice@cs.tcd.ie', status: 'sent', dsn: '2.0.0' }],
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});
