// The Postfix config audit against the configurations the e2e harness really ran and against
// hand-written samples: the open and filtered listeners are flagged, the strict twin and the
// re-injection port pass, and every printed fix, applied, makes its finding go away.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyToMainCf, applyToMasterCf } from '../../src/advise/audit/apply.ts';
import { parseFix, renderFix, type Edit } from '../../src/advise/audit/fix.ts';
import { effective, expand, walkRestrictions } from '../../src/advise/audit/postfix-config.ts';
import { auditPostfix } from '../../src/advise/audit/postfix-audit.ts';
import { parseMainCf, parseMasterCf } from '../../src/advise/audit/postfix-parse.ts';
import type { Finding } from '../../src/advise/audit/types.ts';

const read = (p: string) => readFileSync(fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url)), 'utf8');
const E2E = {
  main: read('postfix-e2e/postfix.main.cf'),
  master: read('postfix-e2e/postfix.master.cf'),
  open: read('postfix-e2e/postfix-open.main.cf'),
  strict: read('postfix-e2e/postfix-strict.main.cf'),
  filtered: read('postfix-e2e/postfix-filtered.main.cf'),
};
const ids = (fs: Finding[]) => fs.map((f) => f.id).sort();

describe('parsing', () => {
  it('reads main.cf syntax: comments, continuation lines, last definition wins', () => {
    const m = parseMainCf('# c\nfoo = a,\n    b\n  # comment inside\n    c\nbar=1\nbar = 2\n\nnot a param line\n');
    expect(m.params.get('foo')?.value).toBe('a, b c');
    expect(m.params.get('bar')).toEqual({ value: '2', line: 7 });
    expect(m.bad).toEqual([9]);
  });

  it('reads master.cf entries, postconf -M lines and -o { name = value with spaces }', () => {
    const m = parseMasterCf(`${E2E.master}\nx inet n - n - - smtpd -o { smtpd_recipient_restrictions = permit_mynetworks, reject } -o a=b\n`);
    const open = m.services.find((s) => s.name === '127.0.0.11:smtp')!;
    expect(open.overrides).toEqual([
      ['local_recipient_maps', ''],
      ['relay_recipient_maps', ''],
      ['smtpd_recipient_restrictions', 'permit_mynetworks,reject_unauth_destination'],
    ]);
    const lda = m.services.find((s) => s.name === 'quota-lda')!;
    expect(lda.args.at(-1)).toBe('${recipient}');
    expect(m.services.at(-1)!.overrides).toEqual([['smtpd_recipient_restrictions', 'permit_mynetworks, reject'], ['a', 'b']]);
  });

  it('expands $name, ${name}, $(name) and the ? / : forms; overrides apply to expansion', () => {
    const look = (n: string) => ({ a: 'x', b: '', c: '$a-y' })[n] ?? '';
    expect(expand('$a ${a} $(a) $c', look)).toBe('x x x x-y');
    expect(expand('${a?yes} ${b?yes} ${b:no} ${a?{t}:{f}} ${b?{t}:{f}}', look)).toBe('yes  no t f');
    const main = parseMainCf(E2E.main);
    const svc = parseMasterCf(E2E.master).services[0]!;
    expect(effective(main, null).get('mydestination')).toBe('mx1.pfx.test, localhost, pfx.test');
    expect(effective(main, svc).get('local_recipient_maps')).toBe('');
    expect(effective(main, svc).source('local_recipient_maps')).toEqual({ service: '127.0.0.11:smtp/inet' });
  });

  it('walks restriction lists as smtpd does for an untrusted client', () => {
    const w = (s: string) => walkRestrictions(s.split(/[\s,]+/)).verdict;
    expect(w('permit_mynetworks, reject_unauth_destination, reject_unverified_recipient')).toBe('verified');
    expect(w('permit_mynetworks, permit_auth_destination, reject_unverified_recipient')).toBe('unverified');
    expect(w('check_recipient_access hash:/etc/postfix/x, reject_unverified_recipient')).toBe('verified');
    expect(w('warn_if_reject reject_unverified_recipient')).toBe('unverified');
    expect(w('permit_mynetworks, reject')).toBe('reject');
  });
});

describe('the e2e harness configurations', () => {
  it('passes the strict listener and the shared main.cf', () => {
    expect(auditPostfix(E2E.strict).findings).toEqual([]);
    expect(auditPostfix(E2E.main).findings).toEqual([]);
  });

  it('flags the open listener: empty local_recipient_maps, relay domains unverified', () => {
    const f = auditPostfix(E2E.open).findings;
    expect(ids(f)).toEqual(['postfix.local_recipient_maps_empty', 'postfix.relay_recipients_unverified']);
    for (const x of f) {
      expect(x).toMatchObject({ mta: 'postfix', severity: 'high', cause: 'unknown_recipient', where: 'main.cf' });
    }
    expect(f.find((x) => x.id === 'postfix.relay_recipients_unverified')!.domains).toEqual(['relay.pfx.test', 'small.pfx.test']);
    expect(f.find((x) => x.id === 'postfix.local_recipient_maps_empty')!.fix).toBe('# main.cf: set\nlocal_recipient_maps = proxy:unix:passwd.byname $alias_maps');
  });

  it('flags the filtered listener also for its after-queue content filter, with a before-queue proxy as the fix', () => {
    const f = auditPostfix(E2E.filtered).findings;
    expect(ids(f)).toEqual(['postfix.after_queue_content_filter', 'postfix.local_recipient_maps_empty', 'postfix.relay_recipients_unverified']);
    const cf = f.find((x) => x.id === 'postfix.after_queue_content_filter')!;
    expect(cf).toMatchObject({ severity: 'medium', cause: 'content_rejected', setting: 'content_filter, smtpd_proxy_filter' });
    expect(cf.fix).toBe('# main.cf: set\ncontent_filter =\nsmtpd_proxy_filter = 127.0.0.1:10024');
  });

  it('audits each smtpd of master.cf with its own -o overrides and skips the re-injection port', () => {
    const a = auditPostfix(E2E.main, E2E.master);
    expect(a.notes.join('\n')).toMatch(/127\.0\.0\.1:10025\/inet: skipped/);
    const by = (svc: string) => ids(a.findings.filter((f) => f.applies_to.includes(svc)));
    expect(by('127.0.0.11:smtp/inet')).toEqual(ids(auditPostfix(E2E.open).findings));
    expect(by('127.0.0.13:smtp/inet')).toEqual(ids(auditPostfix(E2E.filtered).findings));
    expect(by('127.0.0.12:smtp/inet')).toEqual([]);
    expect(by('127.0.0.1:10025/inet')).toEqual([]);
    // The fault is the override, so the fix takes it back rather than touching main.cf.
    const local = a.findings.find((f) => f.id === 'postfix.local_recipient_maps_empty' && f.where === '127.0.0.11:smtp')!;
    expect(local.fix).toBe('# master.cf, service 127.0.0.11:smtp/inet: remove\n  -o local_recipient_maps=');
    const relay = a.findings.find((f) => f.id === 'postfix.relay_recipients_unverified' && f.where === '127.0.0.13:smtp')!;
    expect(relay.fix).toBe('# master.cf, service 127.0.0.13:smtp/inet: remove\n  -o smtpd_recipient_restrictions=permit_mynetworks,reject_unauth_destination');
    const cf = a.findings.find((f) => f.id === 'postfix.after_queue_content_filter')!;
    expect(cf.where).toBe('127.0.0.13:smtp');
    expect(cf.fix).toBe(
      '# master.cf, service 127.0.0.13:smtp/inet: remove\n  -o content_filter=amavisfeed:[127.0.0.1]:10024\n' +
        '# master.cf, service 127.0.0.13:smtp/inet: add\n  -o smtpd_proxy_filter=127.0.0.1:10024',
    );
  });
});

describe('hand-written samples', () => {
  it('a catch-all server: empty local maps, unlisted recipients accepted, luser_relay, virtual domains without mailboxes, pipe filter', () => {
    const f = auditPostfix(read('audit/postconf-n-catchall.txt')).findings;
    expect(ids(f)).toEqual([
      'postfix.after_queue_content_filter', 'postfix.local_recipient_maps_empty', 'postfix.luser_relay',
      'postfix.reject_unlisted_recipient_off', 'postfix.virtual_mailbox_maps_missing',
    ]);
    expect(f.find((x) => x.id === 'postfix.local_recipient_maps_empty')!.domains).toEqual(['mx.example.com', 'localhost.example.com', 'localhost', 'example.com']);
    // A filter that is not an SMTP endpoint cannot become a proxy: a milter is the way.
    expect(f.find((x) => x.id === 'postfix.after_queue_content_filter')!.fix).toMatch(/^smtpd_milters = inet:127\.0\.0\.1:PORT$/m);
  });

  it('a verifying backup MX: defer code 250 is critical, 450 reject codes are notes, relaxed error limits are a low guard finding', () => {
    const f = auditPostfix(read('audit/postconf-n-verify.txt')).findings;
    const sev = Object.fromEntries(f.map((x) => [x.id, x.severity]));
    expect(sev).toEqual({
      'postfix.unverified_recipient_defer_code_2xx': 'critical',
      'postfix.unverified_recipient_reject_code_4xx': 'low',
      'postfix.unknown_local_recipient_reject_code_4xx': 'low',
      'postfix.dictionary_scan_guard': 'low',
    });
    expect(f.find((x) => x.id === 'postfix.dictionary_scan_guard')!.cause).toBe('dictionary_scan');
  });

  it('postconf -M output: the smtpd behind postscreen is audited, a submission port is not', () => {
    const a = auditPostfix(read('audit/postconf-n-relay.txt'), read('audit/postconf-M.txt'));
    expect(a.notes.join('\n')).toMatch(/submission\/inet: skipped/);
    expect(a.findings.map((f) => [f.id, f.where, f.applies_to])).toEqual([['postfix.relay_recipients_unverified', 'smtpd', ['smtpd/pass']]]);
    expect(a.findings[0]!.fix).toBe('# master.cf, service smtpd/pass: remove\n  -o { smtpd_recipient_restrictions = permit_mynetworks, permit_auth_destination, reject_unverified_recipient }');
  });

  it('refuses input that is not Postfix configuration', () => {
    expect(() => auditPostfix('hello world\n')).toThrow(/not main\.cf or postconf -n output/);
    expect(() => auditPostfix(E2E.main, 'nonsense\n')).toThrow(/not master\.cf or postconf -M output/);
  });
});

const CASES: [string, string, string | undefined][] = [
  ['open', E2E.open, undefined],
  ['filtered', E2E.filtered, undefined],
  ['main.cf + master.cf', E2E.main, E2E.master],
  ['catchall', read('audit/postconf-n-catchall.txt'), undefined],
  ['verify', read('audit/postconf-n-verify.txt'), undefined],
  ['postconf -M', read('audit/postconf-n-relay.txt'), read('audit/postconf-M.txt')],
];

describe.each(CASES)('every fix of %s', (_name, main, master) => {
  const findings = auditPostfix(main, master).findings;

  it('prints text that parses back into the same edits', () => {
    // Each sample has findings: a loop over none would check nothing.
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      const edits: Edit[] = parseFix(f.fix);
      expect(edits.length, f.id).toBeGreaterThan(0);
      expect(renderFix(edits), f.id).toBe(f.fix.split('\n').filter((l) => !/^# (?!main\.cf|master\.cf)/.test(l)).join('\n'));
    }
  });

  it('removes its finding once applied, and adds none', () => {
    for (const f of findings) {
      const edits = parseFix(f.fix);
      const after = auditPostfix(applyToMainCf(main, edits), master === undefined ? undefined : applyToMasterCf(master, edits)).findings;
      const key = (x: Finding) => `${x.id} ${x.where} ${x.applies_to.join(',')}`;
      expect(after.map(key), f.id).not.toContain(key(f));
      for (const x of after) expect(findings.map((y) => y.id), `${f.id} added ${x.id}`).toContain(x.id);
    }
  });

  it('never recommends sender callouts or discarding bounces', () => {
    for (const f of findings) {
      const lines = f.fix.split('\n').filter((l) => !l.startsWith('#')).join('\n');
      expect(lines).not.toMatch(/reject_unverified_sender|verify\s*=\s*sender|discard/i);
    }
  });
});
