// The Exim config audit against the configuration the e2e harness really ran (127.0.0.21 the
// open listener, 127.0.0.22 the strict twin, told apart by ACL conditions) and hand-written
// samples: the open listener is flagged, the strict passes, and every fix, applied, clears it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyToExim } from '../../src/advise/audit/apply.ts';
import { evalCondition, firstAccept, listeners } from '../../src/advise/audit/exim-eval.ts';
import { auditExim } from '../../src/advise/audit/exim-audit.ts';
import { listItems, parseExim } from '../../src/advise/audit/exim-parse.ts';
import { parseFix, renderFix } from '../../src/advise/audit/fix.ts';
import type { Finding } from '../../src/advise/audit/types.ts';

const read = (p: string) => readFileSync(fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url)), 'utf8');
const CONF = read('exim-e2e/exim.conf');
const FILTER = read('exim-e2e/exim-system.filter');
const ids = (fs: Finding[]) => fs.map((f) => f.id).sort();

describe('parsing', () => {
  it('reads the ACL section: names, verbs, conditions on the verb line and below, negation', () => {
    const cfg = parseExim(CONF);
    const rcpt = cfg.acls.get('acl_check_rcpt')!;
    expect(rcpt.statements.map((s) => s.verb)).toEqual(['accept', 'deny', 'accept', 'require', 'accept', 'require', 'deny', 'deny', 'accept']);
    expect(rcpt.statements[7]!.conditions).toEqual([
      { negated: false, name: 'domains', value: '+relay_to_domains', line: 75 },
      { negated: true, name: 'verify', value: 'recipient/callout=10s,defer_ok', line: 76 },
    ]);
    expect(cfg.lists.get('local_domains')).toEqual({ kind: 'domainlist', value: '@ : exi.test : localhost' });
    expect(cfg.main.get('acl_smtp_data')?.value).toBe('acl_check_data');
    expect(cfg.routers.map((r) => r.options.get('driver'))).toEqual(['manualroute', 'manualroute', 'redirect', 'accept']);
  });

  it('reads `exim -bP config` output the same way (flattened indentation)', () => {
    const flat = CONF.split('\n').filter((l) => !/^\s*#/.test(l)).map((l) => l.trim()).join('\n');
    const a = parseExim(CONF).acls.get('acl_check_rcpt')!;
    const b = parseExim(flat).acls.get('acl_check_rcpt')!;
    expect(b.statements.map((s) => [s.verb, s.conditions.map((c) => c.value)])).toEqual(a.statements.map((s) => [s.verb, s.conditions.map((c) => c.value)]));
  });

  it('expands macros, honours .ifdef, joins backslash continuations', () => {
    const cfg = parseExim(read('audit/exim-macros.conf'));
    expect(cfg.main.get('acl_smtp_rcpt')?.value).toBe('acl_check_rcpt');
    expect(cfg.lists.get('local_domains')?.value).toBe('@ : example.com');
    expect(listItems(cfg.lists.get('relay_from_hosts')!.value)).toEqual(['127.0.0.1', '192.0.2.0/24']);
    expect(cfg.acls.get('acl_check_rcpt')!.statements.map((s) => s.verb)).toEqual(['accept', 'accept', 'accept', 'accept', 'deny']);
  });

  it('tells listeners apart by ${if} conditions on $interface_address and $interface_port', () => {
    expect(listeners(parseExim(CONF))).toEqual([{ address: '127.0.0.21', port: null }, { address: '127.0.0.22', port: null }]);
    const l = { address: '127.0.0.21', port: 587 };
    expect(evalCondition('${if eq{$interface_address}{127.0.0.21}}', l)).toBe(true);
    expect(evalCondition('${if !eq {$interface_address}{127.0.0.21}}', l)).toBe(false);
    expect(evalCondition('${if ={$interface_port}{587}{yes}{no}}', l)).toBe(true);
    expect(evalCondition('${if and{{eq{$interface_address}{127.0.0.21}}{={$received_port}{25}}}}', l)).toBe(false);
    expect(evalCondition('${if eq{$sender_host_address}{1.2.3.4}}', l)).toBe(null);
    expect(listItems('<; ::1 ; 127.0.0.1')).toEqual(['::1', '127.0.0.1']);
  });

  it('walks the RCPT ACL: the open branch accepts unverified, the strict twin refuses', () => {
    const rcpt = parseExim(CONF).acls.get('acl_check_rcpt')!;
    const s = (address: string, domainList: string, failure: 'unknown_user' | 'unknown_relay_user' | 'over_quota') =>
      firstAccept(rcpt, { listener: { address, port: null }, domainList, failure });
    expect(s('127.0.0.21', 'local_domains', 'unknown_user')).toBe(4);
    expect(s('127.0.0.21', 'relay_to_domains', 'unknown_relay_user')).toBe(4);
    expect(s('127.0.0.22', 'local_domains', 'unknown_user')).toBe(null);
    expect(s('127.0.0.22', 'local_domains', 'over_quota')).toBe(null);
    expect(s('127.0.0.22', 'relay_to_domains', 'unknown_relay_user')).toBe(null);
  });
});

describe('the e2e harness configuration', () => {
  const a = auditExim(CONF, { readFile: () => FILTER });

  it('flags the open listener only: unverified local and relay recipients, unchecked quota, unscanned content', () => {
    expect(ids(a.findings)).toEqual(['exim.content_after_queue', 'exim.rcpt_quota_unchecked', 'exim.rcpt_unverified_local', 'exim.rcpt_unverified_relay']);
    for (const f of a.findings) expect(f.applies_to).toEqual(['127.0.0.21']);
    const local = a.findings.find((f) => f.id === 'exim.rcpt_unverified_local')!;
    expect(local).toMatchObject({ severity: 'high', cause: 'unknown_recipient', setting: 'acl_smtp_rcpt', where: 'acl_check_rcpt', domains: ['mx2.exi.test', 'exi.test', 'localhost'] });
    expect(local.fix).toBe(
      '# Exim configure, ACL acl_check_rcpt: insert before statement 5 "accept condition = ${if eq{$interface_address}{127.0.0.21}}"\n' +
        '  deny    domains = +local_domains\n          !verify = recipient',
    );
    expect(a.findings.find((f) => f.id === 'exim.rcpt_unverified_relay')!.fix).toMatch(/!verify = recipient\/callout=10s,defer_ok$/);
    expect(a.findings.find((f) => f.id === 'exim.rcpt_quota_unchecked')!).toMatchObject({ cause: 'mailbox_full', severity: 'medium' });
    const content = a.findings.find((f) => f.id === 'exim.content_after_queue')!;
    expect(content).toMatchObject({ cause: 'content_rejected', setting: 'acl_smtp_data', where: 'acl_check_data' });
    expect(content.problem).toMatch(/it uses "fail"/);
    // The scan the strict twin already has, moved in front of the open branch's accept.
    expect(content.fix).toMatch(/^ {2}deny {4}message = 5\.7\.1 Message content rejected.*\n {10}condition = \$\{if match\{\$message_body\}/m);
  });

  it('assumes an unreadable system filter may fail messages, and says so', () => {
    const f = auditExim(CONF).findings.find((x) => x.id === 'exim.content_after_queue')!;
    expect(f.problem).toMatch(/not readable here/);
    expect(auditExim(CONF, { readFile: () => 'if $h_subject: contains "x" then\n  save /dev/null\nendif\n' }).findings.map((x) => x.id)).not.toContain('exim.content_after_queue');
  });
});

describe('hand-written samples', () => {
  it('macros and an old-style RCPT ACL: local domains accepted unverified, relay only routed, no DATA ACL behind a transport filter', () => {
    const a = auditExim(read('audit/exim-macros.conf'));
    expect(ids(a.findings)).toEqual(['exim.content_after_queue', 'exim.rcpt_unverified_local', 'exim.rcpt_unverified_relay']);
    for (const f of a.findings) expect(f.applies_to).toEqual([]);
    expect(a.findings.find((f) => f.id === 'exim.rcpt_unverified_local')!.domains).toEqual(['mx5.example.com', 'example.com']);
    const content = a.findings.find((f) => f.id === 'exim.content_after_queue')!;
    expect(content.where).toBe('main');
    expect(content.problem).toMatch(/transport_filter of transport local_delivery/);
    expect(parseFix(content.fix).map((e) => e.kind)).toEqual(['exim-main', 'exim-acl-new']);
  });

  it('in the style of Debian\'s template (verbs alone, postmaster first, empty relay_to_domains): nothing to flag', () => {
    const a = auditExim(read('audit/exim-debian-like.conf'));
    expect(a.findings).toEqual([]);
    expect(a.notes).toEqual([]);
    const rcpt = parseExim(read('audit/exim-debian-like.conf')).acls.get('acl_check_rcpt')!;
    expect(rcpt.statements.map((st) => `${st.verb} ${st.conditions.map((c) => c.name).join(',')}`)).toEqual([
      'accept hosts', 'accept local_parts,domains', 'accept hosts,control', 'accept authenticated', 'require message,domains', 'require verify', 'accept ',
    ]);
  });

  it('plain `exim -bP` output has no ACLs: a note, no findings', () => {
    const a = auditExim(read('audit/exim-bP.txt'));
    expect(a.findings).toEqual([]);
    expect(a.notes.join('\n')).toMatch(/ACLs are not in this input/);
  });

  it('refuses input that is not an Exim configuration', () => {
    expect(() => auditExim('{"json": true}\n')).toThrow(/not an Exim configuration/);
  });
});

describe.each([
  ['the e2e harness', CONF],
  ['the macros sample', read('audit/exim-macros.conf')],
])('every fix of %s', (_name, text) => {
  const findings = auditExim(text).findings;

  it('prints text that parses back into the same edits', () => {
    // Each sample has findings: a loop over none would check nothing.
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) expect(renderFix(parseFix(f.fix)), f.id).toBe(f.fix);
  });

  it('removes its finding once applied, and adds none', () => {
    for (const f of findings) {
      const after = auditExim(applyToExim(text, parseFix(f.fix))).findings;
      expect(after.map((x) => x.id), f.id).not.toContain(f.id);
      for (const x of after) expect(findings.map((y) => y.id)).toContain(x.id);
    }
  });

  it('never recommends sender callouts or discarding bounces', () => {
    for (const f of findings) expect(f.fix).not.toMatch(/verify\s*=\s*sender|callout.*sender|\bdiscard\b/i);
  });
});
