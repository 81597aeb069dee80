// Terminal injection (issue 12, item 6): a forged sender domain and a bounce reason carrying ESC
// sequences (title, clear screen, OSC 8 link), a C1 CSI and a bidi override are imported from a
// real log file by the real CLI; no human output may pass a control character to the terminal.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, cliOk, messagesJson } from './run-cli.ts';

const TITLE = '\x1b]0;pwned\x07';
const CLEAR = '\x1b[2J';
const LINK = '\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\';
const C1_CSI = '\u009b31m';
const RLO = '\u202e';

const DOMAIN = `shop${TITLE}${CLEAR}${C1_CSI}${RLO}.victims.test`;
const SENDER = `ghost11@${DOMAIN}`;
const REASON = `unknown user: "nobody11" ${LINK} ${CLEAR}${C1_CSI}${RLO}gpj.exe`;
// The same, as the tool must show them: every control character as \u{hex}.
const SENDER_SHOWN = 'ghost11@shop\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{9b}31m\\u{202e}.victims.test';
const REASON_SHOWN = 'unknown user: "nobody11" \\u{1b}]8;;https://evil.example/\\u{1b}\\click\\u{1b}]8;;\\u{1b}\\ \\u{1b}[2J\\u{9b}31m\\u{202e}gpj.exe';

// One accepted message bounced after accept by local(8), its NDR sent to the forged sender:
// the lines of test/fixtures/postfix-e2e/mail.log with the hostile strings in them.
const LOG = [
  'Nov 27 20:42:41 mx1 postfix/smtpd[5779]: connect from unknown[127.1.1.1]',
  'Nov 27 20:42:41 mx1 postfix/smtpd[5779]: 3244220C474: client=unknown[127.1.1.1]',
  'Nov 27 20:42:41 mx1 postfix/cleanup[5803]: 3244220C474: message-id=<bw-hostile-1@harness.test>',
  `Nov 27 20:42:41 mx1 postfix/qmgr[5760]: 3244220C474: from=<${SENDER}>, size=467, nrcpt=1 (queue active)`,
  'Nov 27 20:42:41 mx1 postfix/smtpd[5779]: disconnect from unknown[127.1.1.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5',
  `Nov 27 20:42:41 mx1 postfix/local[5816]: 3244220C474: to=<nobody11@pfx.test>, relay=local, delay=0.61, delays=0.15/0.26/0/0.2, dsn=5.1.1, status=bounced (${REASON})`,
  'Nov 27 20:42:41 mx1 postfix/cleanup[5803]: CA1AA20C4DF: message-id=<20261127204241.CA1AA20C4DF@mx1.pfx.test>',
  'Nov 27 20:42:41 mx1 postfix/bounce[5818]: 3244220C474: sender non-delivery notification: CA1AA20C4DF',
  'Nov 27 20:42:41 mx1 postfix/qmgr[5760]: CA1AA20C4DF: from=<>, size=2229, nrcpt=1 (queue active)',
  'Nov 27 20:42:41 mx1 postfix/qmgr[5760]: 3244220C474: removed',
  `Nov 27 20:42:42 mx1 postfix/smtp[5813]: CA1AA20C4DF: to=<${SENDER}>, relay=127.0.0.41[127.0.0.41]:25, delay=0.13, delays=0.01/0/0.1/0.01, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as MX00017)`,
  'Nov 27 20:42:42 mx1 postfix/qmgr[5760]: CA1AA20C4DF: removed',
].join('\n');

/** Any control or invisible format character except the newline and tab of the tool's own layout. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;

function expectClean(what: string, text: string): void {
  const m = CONTROL.exec(text);
  expect(m, `${what}: U+${m?.[0].codePointAt(0)?.toString(16)} at ${m?.index}: ${JSON.stringify(text.slice(Math.max(0, (m?.index ?? 0) - 30), (m?.index ?? 0) + 10))}`).toBeNull();
}

let dir: string;
let db: string;
const period = ['--since', '2026-11-27T00:00:00Z', '--until', '2026-11-28T00:00:00Z'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bw-hostile-'));
  db = join(dir, 'bw.db');
  const log = join(dir, 'mail.log');
  writeFileSync(log, `${LOG}\n`);
  expectClean('import', cliOk(['import', '--db', db, '--year', '2026', log]));
});

describe('human output of log strings with control characters', () => {
  it('the message was really read: sender, reason and backscatter as written in the log', () => {
    const [m] = messagesJson(db);
    expect(m).toMatchObject({ sender: SENDER, backscatter: true, outcome: 'bounced_after_accept', ndr: { to: SENDER, fate: 'delivered' } });
    expect((m!.recipients as { reason: string }[])[0]!.reason).toBe(REASON);
  });

  it('messages shows the sender domain and the bounce reason escaped', () => {
    const out = cliOk(['messages', '--db', db]);
    expectClean('messages', out);
    expect(out).toContain(`from <${SENDER_SHOWN}>`);
    expect(out).toContain(`unknown_recipient: ${REASON_SHOWN}`);
    expect(out).toContain(`NDR CA1AA20C4DF to <${SENDER_SHOWN}>: delivered`);
  });

  it('report passes nothing through', () => {
    expectClean('report', cliOk(['report', '--db', db, ...period]));
  });

  it('advise shows the example reason escaped', () => {
    const out = cliOk(['advise', '--db', db, ...period]);
    expectClean('advise', out);
    expect(out).toContain(`<nobody11@pfx.test>: ${REASON_SHOWN}`);
  });

  it('audit shows the evidence example escaped', () => {
    const main = join(import.meta.dirname, '../fixtures/postfix-e2e/postfix-open.main.cf');
    const r = cli(['audit', '--postconf', main, '--db', db, '--since', '2026-11-27T00:00:00Z']);
    expect(r.status, r.stderr).toBe(0);
    expectClean('audit', r.stdout + r.stderr);
    expect(r.stdout).toContain(`<nobody11@pfx.test>: ${REASON_SHOWN}`);
  });

  it('digest (stdout and --dry-run) shows the forged sender domain escaped', () => {
    const out = cliOk(['digest', '--db', db, ...period, '--transport', 'stdout']);
    expectClean('digest', out);
    expect(out).toContain('shop\\u{1b}]0;pwned\\u{7}');
    // A MIME message ends its lines with CRLF: the tool's own layout.
    const mime = cliOk(['digest', '--db', db, ...period, '--dry-run', '--to', 'postmaster@example.org']);
    expectClean('digest --dry-run', mime.replace(/\r\n/g, '\n'));
  });

  it('JSON escapes DEL, C1 and bidi controls too, and reads back as the same strings', () => {
    const out = cliOk(['messages', '--db', db, '--json']);
    expectClean('messages --json', out);
    expect(out).toContain('\\u009b31m\\u202e');
    expect((JSON.parse(out) as { sender: string }).sender).toBe(SENDER);
    expectClean('advise --json', cliOk(['advise', '--db', db, ...period, '--json']));
    expectClean('report --json', cliOk(['report', '--db', db, ...period, '--json']));
  });

  it('an error that names a path shows it escaped', () => {
    const r = cli(['import', '--db', db, join(dir, `mail${CLEAR}${RLO}.log`)]);
    expect(r.status).not.toBe(0);
    expectClean('import error', r.stderr);
    expect(r.stderr).toContain('mail\\u{1b}[2J\\u{202e}.log');
  });
});
