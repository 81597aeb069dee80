// Audits a Postfix configuration: main.cf (or `postconf -n`) alone, or with master.cf (or
// `postconf -M`), where each smtpd that takes mail from the network is audited with its own
// `-o` overrides. A finding shared by several services is reported once, naming them all.
import type { Finding } from './types.ts';
import { renderFix, type Edit } from './fix.ts';
import { effective, internalOnly, isNetworkSmtpd, splitList, withChanges, type Effective } from './postfix-config.ts';
import { POSTFIX_CHECKS, type PostfixCheck } from './postfix-checks.ts';
import { parseMainCf, parseMasterCf, serviceId, type MainCf } from './postfix-parse.ts';

export interface PostfixAudit {
  findings: Finding[];
  notes: string[];
}

const normalize = (v: string) => splitList(v).join(',');
/** In a `-o` value, list separators become commas (no spaces). */
const serviceValue = (v: string) => v.trim().split(/\s*,\s*|\s+/).filter(Boolean).join(',');

function overriddenKeys(e: Effective, keys: string[]): string[] {
  const svc = e.service;
  if (!svc) return [];
  return keys.filter((k) => svc.overrides.some(([n]) => n === k));
}

function overrideValue(e: Effective, name: string): string {
  return e.service?.overrides.filter(([n]) => n === name).at(-1)?.[1] ?? '';
}

function removeEdits(e: Effective, names: string[]): Edit[] {
  const id = serviceId(e.service!);
  return names.map((name) => ({ kind: 'master.cf', service: id, op: 'remove', name, value: overrideValue(e, name) }));
}

/** The edits for one failed check on one service, and where the fault is. */
function fixFor(main: MainCf, e: Effective, check: PostfixCheck): { where: string; edits: Edit[]; note?: string; setting: string[] } {
  const over = overriddenKeys(e, check.keys);
  const inService = over.length > 0;
  if (inService && check.revertable) {
    // Taking an override back is the smallest fix: try each alone, then all of them.
    for (const names of [...over.map((k) => [k]), ...(over.length > 1 ? [over] : [])]) {
      const back = withChanges(main, e, new Map(names.map((k) => [k, null])), true);
      if (check.test(back) === null) return { where: e.service!.name, edits: removeEdits(e, names), setting: names };
    }
  }
  const { set, note } = check.settings(e);
  const base = effective(main, null);
  const edits: Edit[] = [];
  for (const [name, value] of set) {
    const inherited = normalize(base.raw(name)) === normalize(value);
    if (inService) {
      const overridden = overriddenKeys(e, [name]).length > 0;
      if (inherited && overridden) edits.push(...removeEdits(e, [name]));
      else if (!inherited) edits.push({ kind: 'master.cf', service: serviceId(e.service!), op: 'set', name, value: serviceValue(value) });
    } else if (!inherited) {
      edits.push({ kind: 'main.cf', name, value });
    }
  }
  const changed = [...new Set(edits.map((x) => (x.kind === 'main.cf' || x.kind === 'master.cf' ? x.name : '')).filter(Boolean))];
  return { where: inService ? e.service!.name : 'main.cf', edits, ...(note ? { note } : {}), setting: inService ? over : changed.length > 0 ? changed : [check.keys[0]!] };
}

function findingsFor(main: MainCf, e: Effective): Finding[] {
  const out: Finding[] = [];
  for (const check of POSTFIX_CHECKS) {
    const v = check.test(e);
    if (!v) continue;
    const { where, edits, note, setting } = fixFor(main, e, check);
    out.push({
      id: check.id,
      mta: 'postfix',
      severity: v.severity,
      setting: setting.join(', '),
      where,
      applies_to: e.service ? [serviceId(e.service)] : [],
      problem: v.problem,
      fix: [...(note ? [note] : []), renderFix(edits)].join('\n'),
      docs: check.docs,
      cause: check.cause,
      ...(v.domains ? { domains: v.domains } : {}),
    });
  }
  return out;
}

/** One finding per (check, place, fix), naming every service it applies to. */
function merge(findings: Finding[]): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const f of findings) {
    const key = `${f.id}\u0000${f.where}\u0000${f.fix}`;
    const had = byKey.get(key);
    if (had) had.applies_to = [...new Set([...had.applies_to, ...f.applies_to])];
    else byKey.set(key, { ...f, applies_to: [...f.applies_to] });
  }
  return [...byKey.values()];
}

export function auditPostfix(mainText: string, masterText?: string): PostfixAudit {
  const notes: string[] = [];
  const main = parseMainCf(mainText);
  if (main.params.size === 0) throw new Error('no "name = value" lines: not main.cf or postconf -n output');
  if (main.bad.length > 0) notes.push(`main.cf: ignored line(s) ${main.bad.join(', ')} (not "name = value")`);
  const targets: Effective[] = [];
  if (masterText !== undefined) {
    const master = parseMasterCf(masterText);
    if (master.services.length === 0) throw new Error('no service entries: not master.cf or postconf -M output');
    if (master.bad.length > 0) notes.push(`master.cf: ignored line(s) ${master.bad.join(', ')} (not a service entry)`);
    const postscreen = master.services.some((s) => s.command === 'postscreen');
    for (const s of master.services.filter(isNetworkSmtpd)) {
      const e = effective(main, s, postscreen);
      const closed = internalOnly(e);
      if (closed) {
        notes.push(`master.cf service ${serviceId(s)}: skipped, its ${closed} refuse untrusted clients (a submission or re-injection port)`);
        continue;
      }
      targets.push(e);
    }
    if (master.services.filter(isNetworkSmtpd).length === 0) {
      notes.push('master.cf has no smtpd service that takes mail from the network; audited main.cf alone');
      targets.push(effective(main, null));
    }
  } else {
    const e = effective(main, null);
    const closed = internalOnly(e);
    if (closed) notes.push(`main.cf: its ${closed} refuse untrusted clients; nothing to audit`);
    else targets.push(e);
  }
  const findings = merge(targets.flatMap((e) => findingsFor(main, e)));
  return { findings, notes };
}

