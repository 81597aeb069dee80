// `import --journal-file` and `--journal DIR` against the file import of the same recorded logs
// (the harness's ground truth): real journal files written by systemd-journal-remote, read by
// the real journalctl. Re-importing adds nothing, whichever way the same entries come again.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, cliOk, messagesJson } from '../cli/run-cli.ts';
import { Ingest } from '../../src/ingest/ingest.ts';
import { importJournal } from '../../src/ingest/import-journal.ts';
import { allMessages, importInto, openTestStore } from '../lib/store.ts';
import { entriesOfClassic, entriesOfRfc3339, journalRemotePresent, mailEntry, writeJournal, type ExportEntry } from '../lib/journal.ts';

const fixture = (p: string) => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));
const POSTFIX_LOG = fixture('postfix-e2e/mail-rfc3339.log');
const EXIM_LOG = fixture('exim-e2e/exim-syslog.log');
const BIN = fileURLToPath(new URL('../../bin/bouncewatch.js', import.meta.url));

const enabled = journalRemotePresent();
const MATCH = { identifiers: ['postfix', 'exim', 'exim4'], units: ['postfix@-.service'] };
// Classic syslog lines are read in local time: UTC here, as the entries are made.
process.env.TZ = 'UTC';

let dir: string;
/** The file import of the Postfix log: what every import of its journal must give. */
let postfixTruth: ReturnType<typeof both>;
const report = (db: string) => JSON.parse(cliOk(['report', '--db', db, '--json'])) as Record<string, unknown>;
const both = (db: string) => ({ report: report(db), messages: messagesJson(db) });

/** Entries of other programs between the mail entries: one with facility mail (journalctl lets it through), one without. */
function withOthers(entries: ExportEntry[]): ExportEntry[] {
  return entries.flatMap((e, i) => (i % 50 !== 0 ? [e] : [
    { ...mailEntry(BigInt(e.__REALTIME_TIMESTAMP as string), 'mx1', 'dovecot', '77', 'imap-login: Login: user=<a>'), SYSLOG_FACILITY: '2' },
    { ...mailEntry(BigInt(e.__REALTIME_TIMESTAMP as string), 'mx1', 'kernel', undefined, 'eth0: link up'), SYSLOG_FACILITY: '0' },
    e,
  ]));
}

const postfixEntries = () => entriesOfRfc3339(readFileSync(POSTFIX_LOG, 'utf8'));

beforeAll(() => {
  if (!enabled) return;
  dir = mkdtempSync(join(tmpdir(), 'bw-journal-import-'));
  writeJournal(join(dir, 'postfix.journal'), withOthers(postfixEntries()));
  writeJournal(join(dir, 'exim.journal'), entriesOfClassic(readFileSync(EXIM_LOG, 'utf8'), 2026));
  // The same journal copied twice from a host: first when half was written, then whole.
  const all = postfixEntries();
  const half = Math.floor(all.length / 2);
  writeJournal(join(dir, 'half.journal'), all.slice(0, half));
  copyFileSync(join(dir, 'half.journal'), join(dir, 'whole.journal'));
  writeJournal(join(dir, 'whole.journal'), all.slice(half));
  const file = join(dir, 'pf-file.db');
  cliOk(['import', '--db', file, POSTFIX_LOG]);
  postfixTruth = both(file);
});

describe.skipIf(!enabled)('import --journal-file', () => {
  it('gives what the import of the Postfix log file gives, non-mail entries ignored', () => {
    const db = join(dir, 'pf-journal.db');
    expect(cliOk(['import', '--db', db, '--journal-file', join(dir, 'postfix.journal')])).toMatch(/^imported 658 lines from 1 journal file\(s\) in [\d.]+s: 658 mail, 0 not understood, 0 other programs\n$/);
    const expected = postfixTruth;
    expect(expected.messages.length).toBeGreaterThan(20);
    expect(both(db)).toEqual(expected);

    // Again: nothing added, and the summary says how many were skipped.
    expect(cliOk(['import', '--db', db, '--journal-file', join(dir, 'postfix.journal')])).toMatch(/^imported 0 lines .*; 658 journal entries were imported before, skipped\n$/);
    expect(both(db)).toEqual(expected);
  });

  it('gives what the import of the Exim syslog file gives', () => {
    const file = join(dir, 'ex-file.db');
    cliOk(['import', '--db', file, '--year', '2026', EXIM_LOG]);
    const db = join(dir, 'ex-journal.db');
    cliOk(['import', '--db', db, '--journal-file', join(dir, 'exim.journal')]);
    const expected = both(file);
    expect(expected.messages.length).toBeGreaterThan(20);
    expect(both(db)).toEqual(expected);
  });

  it('adds nothing twice from a journal copied when half written, then whole', () => {
    const db = join(dir, 'split.db');
    expect(cliOk(['import', '--db', db, '--journal-file', join(dir, 'half.journal')])).toMatch(/^imported 329 lines/);
    expect(cliOk(['import', '--db', db, '--journal-file', join(dir, 'whole.journal')])).toMatch(/^imported 329 lines .*; 329 journal entries were imported before, skipped\n$/);
    expect(both(db)).toEqual(postfixTruth);
    // The whole file again, and the half: nothing.
    cliOk(['import', '--db', db, '--journal-file', join(dir, 'whole.journal'), join(dir, 'half.journal')]);
    expect(both(db)).toEqual(postfixTruth);
  });

  it('reads a journal directory with --journal DIR, and skips what --journal-file took of the same journal', () => {
    const jdir = join(dir, 'jdir');
    mkdirSync(jdir);
    copyFileSync(join(dir, 'half.journal'), join(jdir, 'system.journal'));
    const db = join(dir, 'dir.db');
    expect(cliOk(['import', '--db', db, '--journal', jdir])).toMatch(/^imported 329 lines from the journal in .*jdir in/);
    cliOk(['import', '--db', db, '--journal-file', join(dir, 'whole.journal')]);
    copyFileSync(join(dir, 'whole.journal'), join(jdir, 'system.journal'));
    expect(cliOk(['import', '--db', db, '--journal', jdir])).toMatch(/^imported 0 lines .*; 658 journal entries were imported before, skipped/);
    expect(both(db)).toEqual(postfixTruth);
  });

  it('takes only entries from --since on', () => {
    const db = join(dir, 'since.db');
    expect(cliOk(['import', '--db', db, '--journal-file', join(dir, 'postfix.journal'), '--since', '2030-01-01'])).toMatch(/^imported 0 lines/);
    expect(cliOk(['import', '--db', db, '--journal-file', join(dir, 'postfix.journal'), '--since', '2026-01-01'])).toMatch(/^imported 658 lines/);
  });

  it('reads a message that is not UTF-8 (journalctl gives it as an array of bytes)', () => {
    const file = join(dir, 'bytes.journal');
    const us = 1_796_300_000_000_000n;
    writeJournal(file, [
      mailEntry(us, 'mx1', 'postfix/smtpd', '10', Buffer.concat([Buffer.from('connect from h'), Buffer.from([0xff, 0xfe]), Buffer.from('.example[127.9.9.9]')])),
      mailEntry(us + 1n, 'mx1', 'postfix/smtpd', '10', 'disconnect from unknown[127.9.9.9] ehlo=1 quit=1 commands=2'),
    ]);
    const raw = spawnSync('journalctl', ['--file', file, '-o', 'json', '--all'], { encoding: 'utf8' }).stdout.split('\n')[0]!;
    expect(Array.isArray((JSON.parse(raw) as { MESSAGE: unknown }).MESSAGE)).toBe(true);
    expect(cliOk(['import', '--db', join(dir, 'bytes.db'), '--journal-file', file])).toMatch(/^imported 2 lines .*: 2 mail, 0 not understood/);
  });
});

describe.skipIf(!enabled)('importJournal', () => {
  it('in batches of 7 entries gives the file import, and stores where it read to', async () => {
    const truth = openTestStore(join(dir, 'batch-truth.db'));
    await importInto(truth, [POSTFIX_LOG]);
    const store = openTestStore(join(dir, 'batch-journal.db'));
    const ingest = await Ingest.open(store, { internalNetworks: '127.0.0.1/32' });
    const r = await importJournal(store, ingest, { files: [join(dir, 'whole.journal')], match: MATCH, batchLines: 7 });
    await store.refreshRollups();
    expect(r).toEqual({ source: 'journal-file', entries: 658, skipped: 0 });
    expect(await allMessages(store)).toEqual(await allMessages(truth));
    const [pos, ...more] = await store.journalPositions();
    expect(more).toEqual([]);
    expect(pos).toMatchObject({ source: 'journal-file', seqnum: 658 });
    await Promise.all([truth.close(), store.close()]);
  });
});

describe.skipIf(!enabled)('import from the journal: errors', () => {
  it('names the fix when journalctl is missing', () => {
    const r = spawnSync(process.execPath, [BIN, 'import', '--db', join(dir, 'nojc.db'), '--journal-file', join(dir, 'exim.journal')], {
      encoding: 'utf8', env: { ...process.env, PATH: mkdtempSync(join(tmpdir(), 'bw-empty-path-')) },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^bouncewatch: journalctl not found: .*install systemd.*or import the log files instead\n$/);
  });

  it('names the group when the user may not read the journal file', () => {
    if (process.getuid?.() !== 0) {
      if (process.env.CI === 'true') throw new Error('CI must run as root (the test reads as user nobody)');
      console.warn('SKIPPED: unreadable journal file: not root, cannot run as another user');
      return;
    }
    const own = mkdtempSync(join(tmpdir(), 'bw-nobody-'));
    chmodSync(own, 0o777);
    const file = join(own, 'secret.journal');
    copyFileSync(join(dir, 'exim.journal'), file);
    chmodSync(file, 0o600);
    const r = spawnSync(process.execPath, [BIN, 'import', '--db', join(own, 'n.db'), '--journal-file', file], {
      encoding: 'utf8', uid: 65534, gid: 65534, env: { ...process.env, HOME: own, USER: 'nobody' },
    });
    expect(r.stderr).toMatch(/^bouncewatch: journalctl may not read the journal as this user: .*Permission denied.*usermod -aG systemd-journal nobody/);
    expect(r.status).toBe(1);
  });

  it('gives journalctl\'s own words for a file that is no journal', () => {
    const r = cli(['import', '--db', join(dir, 'bad.db'), '--journal-file', EXIM_LOG]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^bouncewatch: journalctl failed \(exit 1\) reading .*exim-syslog\.log: /);
  });

  it('refuses to mix log files and the journal', () => {
    const db = join(dir, 'mix.db');
    expect(cli(['import', '--db', db, '--journal-file', join(dir, 'exim.journal'), '--journal']).stderr).toMatch(/--journal and --journal-file do not mix/);
    expect(cli(['import', '--db', db, EXIM_LOG, '--journal-file', join(dir, 'exim.journal')]).stderr).toMatch(/log files .* and the journal do not mix/);
    expect(cli(['import', '--db', db, '--since', '1d', EXIM_LOG]).stderr).toMatch(/--since goes with --journal/);
    expect(cli(['import', '--db', db]).stderr).toMatch(/import what\?/);
  });
});
