// Applies a finding's printed fix to copies of the configuration files (main.cf keys, master.cf
// `-o` overrides, Exim ACL statements), so the tests can check every fix with the real MTA.
import { parseExim } from './exim-parse.ts';
import type { Edit } from './fix.ts';
import { overrideWord } from './fix.ts';
import { logicalLines, parseMasterCf, serviceId } from './postfix-parse.ts';

const PARAM = /^([A-Za-z0-9_.\-/:]+)\s*=/;

/** Replaces lines from..to (1-based, inclusive) with `replacement`. */
function splice(lines: string[], from: number, to: number, replacement: string[]): void {
  lines.splice(from - 1, to - from + 1, ...replacement);
}

function withNewline(lines: string[]): string {
  const text = lines.join('\n');
  return text.endsWith('\n') ? text : `${text}\n`;
}

export function applyToMainCf(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of edits) {
    if (e.kind !== 'main.cf') continue;
    const lines = out.replace(/\n$/, '').split('\n');
    const defs = logicalLines(out).filter((l) => PARAM.exec(l.text)?.[1] === e.name);
    // Later definitions first, so earlier line numbers stay valid; the first one is kept.
    for (const d of defs.slice(1).reverse()) splice(lines, d.line, d.endLine, []);
    const first = defs[0];
    const line = e.value === '' ? `${e.name} =` : `${e.name} = ${e.value}`;
    if (first) splice(lines, first.line, first.endLine, [line]);
    else lines.push(line);
    out = withNewline(lines);
  }
  return out;
}

export function applyToMasterCf(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of edits) {
    if (e.kind !== 'master.cf') continue;
    const svc = parseMasterCf(out).services.find((s) => serviceId(s) === e.service);
    if (!svc) throw new Error(`master.cf has no service ${e.service}`);
    const at = svc.overrides.findIndex(([n]) => n === e.name);
    const overrides = svc.overrides.filter(([n]) => n !== e.name);
    if (e.op === 'set') overrides.splice(at < 0 ? overrides.length : at, 0, [e.name, e.value]);
    const entry = [
      [svc.name, svc.type, svc.private, svc.unpriv, svc.chroot, svc.wakeup, svc.maxproc, svc.command].join(' '),
      ...overrides.map(([n, v]) => `  ${overrideWord(n, v)}`),
      ...(svc.args.length > 0 ? [`  ${svc.args.join(' ')}`] : []),
    ];
    const lines = out.replace(/\n$/, '').split('\n');
    splice(lines, svc.line, svc.endLine, entry);
    out = withNewline(lines);
  }
  return out;
}

const fold = (s: string) => s.replace(/\s+/g, ' ').trim();

export function applyToExim(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of edits) {
    const lines = out.replace(/\n$/, '').split('\n');
    const firstBegin = lines.findIndex((l) => /^\s*begin\s+\S+\s*$/.test(l));
    if (e.kind === 'exim-acl') {
      const acl = parseExim(out).acls.get(e.acl);
      const st = acl?.statements[e.statement - 1];
      if (!st || fold(st.text) !== fold(e.before)) throw new Error(`ACL ${e.acl} has no statement ${e.statement} "${e.before}"`);
      if (st.line === 0) throw new Error(`ACL ${e.acl} statement ${e.statement} is in an .include'd file`);
      // Before the comment lines that describe the statement, so they stay with it.
      let at = st.line - 1;
      while (at > 0 && /^\s*#/.test(lines[at - 1]!)) at--;
      lines.splice(at, 0, ...e.lines);
    } else if (e.kind === 'exim-acl-new') {
      const aclBegin = lines.findIndex((l) => /^\s*begin\s+acl\s*$/.test(l));
      const block = [`${e.acl}:`, ...e.lines, ''];
      if (aclBegin < 0) {
        lines.splice(firstBegin < 0 ? lines.length : firstBegin, 0, 'begin acl', '', ...block);
      } else {
        const next = lines.findIndex((l, i) => i > aclBegin && /^\s*begin\s+\S+\s*$/.test(l));
        lines.splice(next < 0 ? lines.length : next, 0, ...block);
      }
    } else if (e.kind === 'exim-main') {
      const end = firstBegin < 0 ? lines.length : firstBegin;
      const at = lines.findIndex((l, i) => i < end && new RegExp(`^\\s*${e.name}\\s*=`).test(l));
      const line = e.value === '' ? `${e.name} =` : `${e.name} = ${e.value}`;
      if (at >= 0) lines[at] = line;
      else lines.splice(end, 0, line);
    } else {
      continue;
    }
    out = withNewline(lines);
  }
  return out;
}
