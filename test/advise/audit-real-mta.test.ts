// Every fix the audit prints, checked by the real MTAs: Debian's postconf and `postfix check`,
// and the unpacked Exim 4.96's -bV and -bh. Skips with a notice where they are absent, except
// under CI=true, where it fails.
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, type ExpectStatic } from 'vitest';
import { applyToExim, applyToMainCf, applyToMasterCf } from '../../src/advise/audit/apply.ts';
import { auditExim } from '../../src/advise/audit/exim-audit.ts';
import { parseFix, type Edit } from '../../src/advise/audit/fix.ts';
import { auditPostfix } from '../../src/advise/audit/postfix-audit.ts';
import type { Finding } from '../../src/advise/audit/types.ts';
import { EXIM_BIN } from '../e2e/exim/topology.ts';

// Postfix: the harness main.cf / master.cf go to a temp config dir with the fix applied, then
// `postconf -c DIR -n`, `-P` and `-M` must show the names and values as written with no
// "unused parameter" or other warning, and (as root) `postfix -c DIR check` must pass. The
// samples' fixes get the same checks but `postfix check`.
// Exim: the fix is applied to a copy of exim.conf, then `exim4 -C FILE -bV`; for the unknown-user
// and content fixes an `exim4 -bh` session as an untrusted client of the open listener (-oMi
// 127.0.0.21) shows the fixed ACL refusing what the unfixed one accepts. As root with a -C file
// outside TRUSTED_CONFIG_LIST, Exim drops its privileges but still reads and checks the whole
// file, and -bh still runs the ACLs and routing: so nothing is added to /etc/exim4/trusted_configs,
// which the Exim e2e test rewrites while it runs. Not shown by -bh: the relay callout (-bh makes
// no callouts) and the quota check (under -bh its helper process had an empty $local_part_data
// and checked the mail directory, not the mailbox): -bV only for those two.

const read = (p: string) => readFileSync(fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url)), 'utf8');
const POSTCONF = '/usr/sbin/postconf';
const POSTFIX = '/usr/sbin/postfix';
const ROOT = process.getuid?.() === 0;
const work = mkdtempSync(path.join(tmpdir(), 'bw-audit-mta-'));
// Postfix daemons and the Exim user must traverse it.
chmodSync(work, 0o755);
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function run(bin: string, args: string[], input?: string) {
  const r = spawnSync(bin, args, { encoding: 'utf8', input, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** The same, without blocking: `postfix check` mostly waits, so the Postfix checks run side by side. */
function runAsync(bin: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

/** Skips with a notice, or fails under CI, when something the real-MTA checks need is absent. */
function prerequisites(name: string, paths: string[]): boolean {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) return true;
  if (process.env.CI === 'true') {
    it(`${name}: has its prerequisites in CI`, () => {
      throw new Error(`CI=true but ${missing.join(', ')} missing (does .ci/run call test/e2e/setup-debian.sh as root?)`);
    });
  } else {
    console.warn(`SKIPPED: ${name} needs ${missing.join(', ')} (run test/e2e/setup-debian.sh as root)`);
    it.skip(`${name}: needs ${missing.join(', ')}`, () => undefined);
  }
  return false;
}

// ---- Postfix ----

let dirs = 0;

/** A config dir with the fix applied; the harness's temp paths point into it. */
function postfixDir(main: string, master: string, edits: Edit[]): string {
  const root = path.join(work, `pf${dirs++}`);
  for (const d of ['etc', 'spool', 'data']) mkdirSync(path.join(root, d), { recursive: true });
  const local = (t: string) => t.replace(/\/tmp\/bw-e2e-postfix-[A-Za-z0-9]+/g, root);
  let m = local(applyToMainCf(main, edits));
  // Samples name no queue: never let `postfix check` near the system's own.
  if (!/^queue_directory\s*=/m.test(m)) m += `queue_directory = ${root}/spool\ndata_directory = ${root}/data\n`;
  writeFileSync(path.join(root, 'etc/main.cf'), m);
  writeFileSync(path.join(root, 'etc/master.cf'), local(applyToMasterCf(master, edits)));
  return path.join(root, 'etc');
}

async function postconfOk(expect: ExpectStatic, args: string[]): Promise<string> {
  const r = await runAsync(POSTCONF, args);
  expect(r.code, `postconf ${args.join(' ')}: ${r.stderr}`).toBe(0);
  expect(r.stderr, `postconf ${args.join(' ')}`).not.toMatch(/warning|unused parameter|unknown|fatal/i);
  return r.stdout;
}

async function checkPostfix(expect: ExpectStatic, main: string, master: string, f: Finding | null, withCheck: boolean): Promise<void> {
  const edits = f ? parseFix(f.fix) : [];
  const dir = postfixDir(main, master, edits);
  const n = (await postconfOk(expect, ['-c', dir, '-n'])).split('\n');
  const p = (await postconfOk(expect, ['-c', dir, '-P'])).split('\n');
  await postconfOk(expect, ['-c', dir, '-M']);
  for (const e of edits) {
    if (e.kind === 'main.cf') expect(n, `${f!.id}: postconf -n`).toContain(e.value === '' ? `${e.name} =` : `${e.name} = ${e.value}`);
    if (e.kind === 'master.cf' && e.op === 'set') expect(p, `${f!.id}: postconf -P`).toContain(`${e.service}/${e.name} = ${e.value}`);
    if (e.kind === 'master.cf' && e.op === 'remove') expect(p.filter((l) => l.startsWith(`${e.service}/${e.name} =`)), `${f!.id}: postconf -P`).toEqual([]);
  }
  if (withCheck) {
    const r = await runAsync(POSTFIX, ['-c', dir, 'check']);
    expect(r.code, `postfix check${f ? ` after ${f.id}` : ''}: ${r.stderr}`).toBe(0);
    expect(r.stderr, `postfix check${f ? ` after ${f.id}` : ''}`).not.toMatch(/warning|fatal/i);
  }
}

const E2E_MASTER = read('postfix-e2e/postfix.master.cf');
const POSTFIX_CASES: { name: string; main: string; master: string; withMaster: boolean; harness: boolean }[] = [
  { name: 'postfix-open.main.cf', main: read('postfix-e2e/postfix-open.main.cf'), master: E2E_MASTER, withMaster: false, harness: true },
  { name: 'postfix-filtered.main.cf', main: read('postfix-e2e/postfix-filtered.main.cf'), master: E2E_MASTER, withMaster: false, harness: true },
  { name: 'postfix.main.cf + postfix.master.cf', main: read('postfix-e2e/postfix.main.cf'), master: E2E_MASTER, withMaster: true, harness: true },
  { name: 'sample postconf-n-catchall.txt', main: read('audit/postconf-n-catchall.txt'), master: E2E_MASTER, withMaster: false, harness: false },
  { name: 'sample postconf-n-verify.txt', main: read('audit/postconf-n-verify.txt'), master: E2E_MASTER, withMaster: false, harness: false },
  { name: 'sample postconf-n-relay.txt + postconf-M.txt', main: read('audit/postconf-n-relay.txt'), master: read('audit/postconf-M.txt'), withMaster: true, harness: false },
];

describe('Postfix fixes, checked by the real postconf and postfix check', () => {
  if (!prerequisites('Postfix fix check', [POSTCONF, POSTFIX])) return;
  if (!ROOT) console.warn('NOTE: not root, so `postfix check` is left out; postconf checks still run');
  for (const c of POSTFIX_CASES) {
    const findings = auditPostfix(c.main, c.withMaster ? c.master : undefined).findings;
    it.concurrent(`${c.name}: the unchanged configuration is clean (baseline)`, async ({ expect }) => {
      await checkPostfix(expect, c.main, c.master, null, ROOT && c.harness);
    });
    it(`${c.name}: has findings to check`, () => {
      expect(findings.length).toBeGreaterThan(0);
    });
    for (const f of findings) {
      it.concurrent(`${c.name}: ${f.id} in ${f.where}`, async ({ expect }) => {
        await checkPostfix(expect, c.main, c.master, f, ROOT && c.harness);
      });
    }
  }
});

// ---- Exim ----

const EXIM_CONF = read('exim-e2e/exim.conf');

/** A copy of the harness instance: config, alias and mailbox files, a spool and log -bh can use. */
function eximFile(edits: Edit[]): string {
  const root = path.join(work, `ex${dirs++}`);
  // -bh runs as the Exim user with an untrusted config: spool and log must be writable for it.
  for (const d of ['etc', 'spool', 'log', 'mail']) {
    mkdirSync(path.join(root, d), { recursive: true });
    if (d !== 'etc') chmodSync(path.join(root, d), 0o1777);
  }
  writeFileSync(path.join(root, 'etc/aliases'), 'postmaster: alice\n');
  writeFileSync(path.join(root, 'etc/mailboxes'), 'alice\nbob\nfrank\n');
  writeFileSync(path.join(root, 'etc/system.filter'), read('exim-e2e/exim-system.filter'));
  const conf = path.join(root, 'exim.conf');
  writeFileSync(conf, applyToExim(EXIM_CONF, edits).replace(/\/tmp\/bw-e2e-exim-[A-Za-z0-9]+/g, root));
  return conf;
}

function eximCheck(conf: string): void {
  const r = run(EXIM_BIN, ['-C', conf, '-bV']);
  expect(r.code, `exim -bV: ${r.stdout}${r.stderr}`).toBe(0);
  expect(r.stderr, 'exim -bV').not.toMatch(/error|warning/i);
  expect(r.stdout).toMatch(/^Exim version 4\./m);
}

const VIRUS = /BW-EICAR-LIKE-TEST-SIGNATURE-[0-9a-f]+/.exec(read('exim-e2e/exim-system.filter'))![0];

/** The SMTP replies of an `exim -bh` session from an untrusted client to one listener. */
function session(conf: string, listener: string, rcpt: string, data?: string): string[] {
  const cmds = ['EHLO bot.test', 'MAIL FROM:<ghost@shop.victims.test>', `RCPT TO:<${rcpt}>`];
  if (data !== undefined) cmds.push('DATA', 'Subject: test', '', data, '.');
  cmds.push('QUIT');
  const r = run(EXIM_BIN, ['-C', conf, '-bh', '127.1.9.9', '-oMi', listener], `${cmds.join('\r\n')}\r\n`);
  return r.stdout.split('\n').filter((l) => /^\d{3} /.test(l)).map((l) => l.trim());
}

/** The reply to RCPT, and to the end of DATA when there was one. */
function replies(conf: string, listener: string, rcpt: string, data?: string): { rcpt: string; data?: string } {
  // 220 greeting, 250 EHLO (last line), 250 MAIL, then RCPT; with DATA: 354, then its verdict.
  const r = session(conf, listener, rcpt, data);
  return { rcpt: r[3] ?? '', ...(data !== undefined ? { data: r[5] ?? '' } : {}) };
}

describe('Exim fixes, checked by the real exim4 (-bV and -bh)', () => {
  if (!prerequisites('Exim fix check', [EXIM_BIN])) return;
  const findings = auditExim(EXIM_CONF, { readFile: () => read('exim-e2e/exim-system.filter') }).findings;

  it('the unchanged configuration checks clean, and its open listener accepts what the strict one refuses (baseline)', () => {
    const conf = eximFile([]);
    eximCheck(conf);
    expect(replies(conf, '127.0.0.21', 'nobody@exi.test').rcpt).toMatch(/^250 /);
    expect(replies(conf, '127.0.0.22', 'nobody@exi.test').rcpt).toBe('550 Unrouteable address');
    expect(replies(conf, '127.0.0.21', 'carol@relay.exi.test', VIRUS).data).toMatch(/^250 /);
    expect(replies(conf, '127.0.0.22', 'carol@relay.exi.test', VIRUS).data).toMatch(/^550 5\.7\.1 Message content rejected/);
  });

  it('has the four findings to check', () => {
    expect(findings.map((f) => f.id).sort()).toEqual(['exim.content_after_queue', 'exim.rcpt_quota_unchecked', 'exim.rcpt_unverified_local', 'exim.rcpt_unverified_relay']);
  });

  for (const f of findings) {
    it(`${f.id} in ${f.where}: exim -bV accepts the fixed file, and -bh shows the fix working`, () => {
      const conf = eximFile(parseFix(f.fix));
      eximCheck(conf);
      switch (f.id) {
        case 'exim.rcpt_unverified_local':
          expect(replies(conf, '127.0.0.21', 'nobody@exi.test').rcpt).toBe('550 Unrouteable address');
          expect(replies(conf, '127.0.0.21', 'postmaster@exi.test').rcpt).toMatch(/^250 /);
          break;
        case 'exim.content_after_queue':
          expect(replies(conf, '127.0.0.21', 'carol@relay.exi.test', VIRUS).data).toMatch(/^550 5\.7\.1 Message content rejected/);
          expect(replies(conf, '127.0.0.21', 'carol@relay.exi.test', 'hello').data).toMatch(/^250 /);
          break;
        default:
          // The relay callout and the quota check: see the header.
          break;
      }
    });
  }
});
