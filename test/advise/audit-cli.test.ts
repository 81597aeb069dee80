// `bouncewatch audit` as a postmaster runs it: on the e2e harness configurations (files and
// stdin), with the MTA's own tools found on PATH (fake postconf / exim scripts here), with a
// database for the evidence, and with bad input (one line, non-zero exit).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/advise/audit/types.ts';
import { cliOk } from '../cli/run-cli.ts';

const BIN = fileURLToPath(new URL('../../bin/bouncewatch.js', import.meta.url));
const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'bw-audit-cli-'));
/** No database unless a test gives one: the default ./bouncewatch.db must not be picked up. */
const NO_DB = join(tmp, 'none.db');

function audit(args: string[], opts: { input?: string; path?: string } = {}) {
  const r = spawnSync(process.execPath, [BIN, 'audit', ...args], {
    encoding: 'utf8',
    input: opts.input,
    env: { ...process.env, BOUNCEWATCH_DB: NO_DB, ...(opts.path !== undefined ? { PATH: opts.path } : {}) },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const json = (stdout: string) => JSON.parse(stdout) as AuditResult;
const ids = (r: AuditResult, mta: 'postfix' | 'exim') => r[mta].map((f) => `${f.id}@${f.where}`).sort();

/** A directory with executable scripts standing in for the MTA tools. */
function fakeTools(scripts: Record<string, string>): string {
  const dir = mkdtempSync(join(tmp, 'path-'));
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

describe('bouncewatch audit', () => {
  it('--postconf FILE --json prints the open listener\'s findings and exits 0', () => {
    const r = audit(['--postconf', join(FIX, 'postfix-e2e/postfix-open.main.cf'), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = json(r.stdout);
    expect(Object.keys(out)).toEqual(['postfix', 'exim', 'sources', 'evidence_period']);
    expect(ids(out, 'postfix')).toEqual(['postfix.local_recipient_maps_empty@main.cf', 'postfix.relay_recipients_unverified@main.cf']);
    expect(out.exim).toEqual([]);
    expect(out.evidence_period).toBeNull();
    expect(out.postfix[0]).toMatchObject({ mta: 'postfix', severity: 'high', cause: 'unknown_recipient' });
    expect(r.stderr).toMatch(/no --postconf-m/);
  });

  it('passes the strict listener', () => {
    const r = audit(['--postconf', join(FIX, 'postfix-e2e/postfix-strict.main.cf'), '--json']);
    expect(r.status).toBe(0);
    expect(json(r.stdout).postfix).toEqual([]);
  });

  it('main.cf from stdin with master.cf, and the Exim configure file: per-service and per-listener findings as text', () => {
    const r = audit(['--postconf', '-', '--postconf-m', join(FIX, 'postfix-e2e/postfix.master.cf'), '--exim', join(FIX, 'exim-e2e/exim.conf')], {
      input: readFileSync(join(FIX, 'postfix-e2e/postfix.main.cf'), 'utf8'),
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Postfix \(stdin \+ .*postfix\.master\.cf\): 13 finding\(s\)$/m);
    expect(r.stdout).toMatch(/^ {2}\[high\] local_recipient_maps in 127\.0\.0\.11:smtp /m);
    expect(r.stdout).toMatch(/^ {6}# master\.cf, service 127\.0\.0\.13:smtp\/inet: add\n {8}-o smtpd_proxy_filter=127\.0\.0\.1:10024$/m);
    expect(r.stdout).toMatch(/^Exim \(.*exim\.conf\): 4 finding\(s\)$/m);
    expect(r.stdout).toMatch(/^ {4}applies to: 127\.0\.0\.21$/m);
    expect(r.stdout).not.toMatch(/127\.0\.0\.12:smtp|127\.0\.0\.22/);
    expect(r.stdout).toMatch(/No database/);
    expect(r.stderr).toMatch(/127\.0\.0\.1:10025\/inet: skipped/);
    // The after-filter smtpd behind the before-queue proxy filter (issue 21) is a re-injection port too.
    expect(r.stderr).toMatch(/127\.0\.0\.1:10026\/inet: skipped/);
  });

  it('--db adds the evidence of the period, per cause', () => {
    const db = join(tmp, 'e.db');
    cliOk(['import', '--db', db, '--year', '2026', join(FIX, 'postfix-e2e/mail.log')]);
    const r = audit(['--postconf', join(FIX, 'postfix-e2e/postfix-filtered.main.cf'), '--db', db, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = json(r.stdout);
    expect(out.evidence_period).not.toBeNull();
    const cf = out.postfix.find((f) => f.id === 'postfix.after_queue_content_filter')!;
    expect(cf.evidence).toMatchObject({ messages: 2, ndrs: 2, backscatter: 2 });
    const text = audit(['--postconf', join(FIX, 'postfix-e2e/postfix-filtered.main.cf'), '--db', db, '--since', '2020-01-01']);
    expect(text.stdout).toMatch(/evidence \(content_rejected, all postfix listeners\): 3 failed recipient\(s\) in 2 accepted message\(s\), 2 NDR\(s\), 2 backscatter/);
  });

  it('with no file, runs postconf -n / -M from PATH and says so', () => {
    const main = join(FIX, 'postfix-e2e/postfix.main.cf');
    const master = join(FIX, 'postfix-e2e/postfix.master.cf');
    const dir = fakeTools({ postconf: `case "$1" in -n) /bin/cat '${main}';; -M) /bin/cat '${master}';; *) exit 2;; esac` });
    const r = audit(['--json'], { path: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`ran \`${dir}/postconf -n\`, \`${dir}/postconf -M\``);
    const out = json(r.stdout);
    expect(out.sources.postfix).toBe(`${dir}/postconf -n, ${dir}/postconf -M`);
    expect(out.postfix.map((f) => f.where).sort()).toEqual([
      '127.0.0.11:smtp', '127.0.0.11:smtp', '127.0.0.13:smtp', '127.0.0.13:smtp', '127.0.0.13:smtp',
      // The simple content filter's listener (issue 13): open like .11, and filtered after queueing.
      '127.0.0.14:smtp', '127.0.0.14:smtp', '127.0.0.14:smtp',
      // Issue 21: the before-queue proxy-filtered listener (open, nothing filtered after
      // queueing), and the one whose after-queue filter answers in its own words.
      '127.0.0.15:smtp', '127.0.0.15:smtp',
      '127.0.0.16:smtp', '127.0.0.16:smtp', '127.0.0.16:smtp',
    ]);
  });

  it('with no file, runs exim4 -bP config from PATH, and falls back to exim -bP', () => {
    const conf = join(FIX, 'exim-e2e/exim.conf');
    const full = fakeTools({ exim4: `[ "$1 $2" = "-bP config" ] && exec /bin/cat '${conf}'; exit 1` });
    const r = audit(['--json'], { path: full });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`ran \`${full}/exim4 -bP config\``);
    expect(json(r.stdout).exim.length).toBe(4);
    const plain = fakeTools({ exim: `[ "$1" = "-bP" ] && [ -z "$2" ] && exec /bin/cat '${join(FIX, 'audit/exim-bP.txt')}'; echo "exim: permission denied" >&2; exit 1` });
    const p = audit([], { path: plain });
    expect(p.status, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/-bP config failed \(exim: permission denied\); fell back/);
    expect(p.stderr).toMatch(/ACLs are not in this input/);
  });

  it('with no file and no MTA tool on PATH, fails with one line', () => {
    const r = audit([], { path: fakeTools({}) });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/neither postconf nor exim4\/exim is on PATH/);
  });

  it('a failing postconf is an error with its reason', () => {
    const r = audit([], { path: fakeTools({ postconf: 'echo "postconf: fatal: open /etc/postfix/main.cf: No such file or directory" >&2; exit 1' }) });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toMatch(/postconf -n failed: postconf: fatal: open \/etc\/postfix\/main\.cf/);
  });

  it('unreadable or unparseable input, or a missing database, ends with one line and a non-zero status', () => {
    for (const [args, msg] of [
      [['--postconf', join(tmp, 'nope.cf')], /--postconf: cannot read .*nope\.cf: ENOENT/],
      [['--exim', tmp], /--exim: cannot read .*: EISDIR/],
      [['--postconf', join(FIX, 'exim-e2e/truth.json')], /not main\.cf or postconf -n output/],
      [['--exim', join(FIX, 'postfix-e2e/truth.json')], /not an Exim configuration/],
      [['--postconf-m', join(FIX, 'postfix-e2e/postfix.master.cf')], /--postconf-m needs --postconf/],
      [['--postconf', join(FIX, 'postfix-e2e/postfix.main.cf'), '--db', join(tmp, 'missing.db')], /--db: .*missing\.db does not exist/],
      [['--postconf', '-', '--exim', '-'], /standard input is already used/],
    ] as const) {
      const r = audit([...args], { input: '' });
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(msg);
    }
  });
});
