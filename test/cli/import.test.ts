// The import contract: same file twice adds nothing, a grown file resumes, its gzipped
// rotation adds nothing, stdin works, and bad input ends with one clear line.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CORPORA, corporaPresent } from '../corpora/walk.ts';
import { cli, cliOk, messagesJson } from './run-cli.ts';

const present = corporaPresent();
if (!present) console.warn('[cli] SKIPPING import contract tests on corpora: ../shared/corpora is absent');

const LOG = join(CORPORA, 'kdent-postfix_log_analysis/mail.log');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bw-cli-'));
});

const report = (db: string) => JSON.parse(cliOk(['report', '--db', db, '--json'])) as Record<string, unknown>;

describe.skipIf(!present)('import', () => {
  it('adds nothing when the same file is imported again, or its gzipped rotation', () => {
    const db = join(dir, 'twice.db');
    cliOk(['import', '--db', db, '--year', '2019', LOG]);
    const first = { r: report(db), m: messagesJson(db) };
    expect((first.r.lines as { total: number }).total).toBe(readFileSync(LOG, 'utf8').split('\n').filter(Boolean).length);
    cliOk(['import', '--db', db, '--year', '2019', LOG]);
    const gz = join(dir, 'mail.log.1.gz');
    writeFileSync(gz, gzipSync(readFileSync(LOG)));
    cliOk(['import', '--db', db, '--year', '2019', gz]);
    expect(report(db)).toEqual(first.r);
    expect(messagesJson(db)).toEqual(first.m);
  });

  it('resumes a grown file where it stopped: two imports equal one', () => {
    const whole = join(dir, 'whole.db');
    cliOk(['import', '--db', whole, '--year', '2019', LOG]);
    const lines = readFileSync(LOG, 'utf8').split('\n');
    const growing = join(dir, 'growing.log');
    writeFileSync(growing, lines.slice(0, 3000).join('\n') + '\n');
    const split = join(dir, 'split.db');
    cliOk(['import', '--db', split, '--year', '2019', growing]);
    copyFileSync(LOG, growing);
    cliOk(['import', '--db', split, '--year', '2019', growing]);
    expect(report(split)).toEqual(report(whole));
    expect(messagesJson(split)).toEqual(messagesJson(whole));
  });

  it('reads stdin with -', () => {
    const db = join(dir, 'stdin.db');
    const out = cliOk(['import', '--db', db, '--year', '2019', '-'], readFileSync(LOG, 'utf8'));
    expect(out).toMatch(/imported 6646 lines/);
    expect(messagesJson(db).length).toBe(messagesJson(join(dir, 'whole.db')).length);
  });

  it('report --json has exactly the contract keys', () => {
    const r = report(join(dir, 'whole.db'));
    expect(Object.keys(r).sort()).toEqual(
      ['accepted', 'accepted_remote', 'backscatter', 'backscatter_delay_warnings', 'backscatter_fates', 'backscatter_ndrs',
        'bounced_after_accept', 'causes', 'deferred', 'delivered', 'from', 'lines', 'ndrs', 'rejected_at_smtp', 'to'].sort(),
    );
    expect(Object.keys(r.lines as object).sort()).toEqual(['mail', 'other', 'total', 'unknown']);
  });
});

describe('bad input', () => {
  it('names an unreadable file and exits non-zero', () => {
    const r = cli(['import', '--db', join(dir, 'x.db'), '/nonexistent/mail.log']);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toBe('bouncewatch: cannot read /nonexistent/mail.log');
  });
  it('refuses a bad year and a bad network list', () => {
    expect(cli(['import', '--year', '12', '-']).stderr).toMatch(/--year.*must be a year/s);
    expect(cli(['import', '--internal-networks', '300.1.1.1/8', '-']).stderr).toMatch(/300\.1\.1\.1\/8/);
  });
  it('names a database it cannot open', () => {
    const r = cli(['report', '--db', '/nonexistent/dir/bw.db']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/cannot open database \/nonexistent\/dir\/bw\.db/);
  });
  it('refuses a bad --since naming it', () => {
    const r = cli(['report', '--db', join(dir, 'y.db'), '--since', 'yesterday-ish']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--since: "yesterday-ish"/);
  });
});
