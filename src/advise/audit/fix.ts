// A finding's fix: edits to main.cf, master.cf services or the Exim configure file, printed as
// exact config lines under `#` headers that say where they go. The same text parses back into
// edits, so the tests (and a postmaster's script) can apply a printed fix to real files.

export type Edit =
  | { kind: 'main.cf'; name: string; value: string }
  /** `set` replaces any `-o` of that name in the service; `remove` deletes it. */
  | { kind: 'master.cf'; service: string; op: 'set' | 'remove'; name: string; value: string }
  /** Statements inserted before statement `statement` (1-based) of ACL `acl`. */
  | { kind: 'exim-acl'; acl: string; statement: number; before: string; lines: string[] }
  /** A new ACL appended to the `begin acl` section (lines without the `name:` line). */
  | { kind: 'exim-acl-new'; acl: string; lines: string[] }
  | { kind: 'exim-main'; name: string; value: string };

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

export function overrideWord(name: string, value: string): string {
  return /\s/.test(value) ? `-o { ${name} = ${value} }` : `-o ${name}=${value}`;
}

function header(e: Edit): string {
  switch (e.kind) {
    case 'main.cf':
      return '# main.cf: set';
    case 'master.cf':
      return `# master.cf, service ${e.service}: ${e.op === 'set' ? 'add' : 'remove'}`;
    case 'exim-acl':
      return `# Exim configure, ACL ${e.acl}: insert before statement ${e.statement} "${oneLine(e.before)}"`;
    case 'exim-acl-new':
      return `# Exim configure, begin acl: add ACL ${e.acl}`;
    case 'exim-main':
      return '# Exim configure, main section: set';
  }
}

function body(e: Edit): string[] {
  switch (e.kind) {
    case 'main.cf':
    case 'exim-main':
      return [e.value === '' ? `${e.name} =` : `${e.name} = ${e.value}`];
    case 'master.cf':
      return [`  ${overrideWord(e.name, e.value)}`];
    case 'exim-acl':
      return e.lines;
    case 'exim-acl-new':
      return [`${e.acl}:`, ...e.lines];
  }
}

/** The printed fix: consecutive edits under one header share it. */
export function renderFix(edits: Edit[]): string {
  const out: string[] = [];
  let last = '';
  for (const e of edits) {
    const h = header(e);
    if (h !== last || e.kind === 'exim-acl' || e.kind === 'exim-acl-new') out.push(h);
    last = h;
    out.push(...body(e));
  }
  return out.join('\n');
}

const H_MAIN = /^# main\.cf: set$/;
const H_MASTER = /^# master\.cf, service (\S+): (add|remove)$/;
const H_ACL = /^# Exim configure, ACL (\S+): insert before statement (\d+) "(.*)"$/;
const H_EXIM_MAIN = /^# Exim configure, main section: set$/;
const H_ACL_NEW = /^# Exim configure, begin acl: add ACL (\S+)$/;

/** Parses a printed fix back into edits. Other `#` lines are notes and are skipped. */
export function parseFix(text: string): Edit[] {
  const edits: Edit[] = [];
  type Lines = Extract<Edit, { kind: 'exim-acl' | 'exim-acl-new' }>;
  let ctx: { h: 'main' | 'exim-main' } | { h: 'master'; service: string; op: 'set' | 'remove' } | { h: 'acl'; edit: Lines } | null = null;
  for (const line of text.split('\n')) {
    let m: RegExpExecArray | null;
    if (H_MAIN.test(line)) ctx = { h: 'main' };
    else if (H_EXIM_MAIN.test(line)) ctx = { h: 'exim-main' };
    else if ((m = H_MASTER.exec(line))) ctx = { h: 'master', service: m[1]!, op: m[2] === 'add' ? 'set' : 'remove' };
    else if ((m = H_ACL.exec(line))) {
      const edit: Extract<Edit, { kind: 'exim-acl' }> = { kind: 'exim-acl', acl: m[1]!, statement: Number(m[2]), before: m[3]!, lines: [] };
      edits.push(edit);
      ctx = { h: 'acl', edit };
    } else if ((m = H_ACL_NEW.exec(line))) {
      const edit: Lines = { kind: 'exim-acl-new', acl: m[1]!, lines: [] };
      edits.push(edit);
      ctx = { h: 'acl', edit };
    } else if (ctx === null || line.trim() === '' || (line.trimStart().startsWith('#') && ctx.h !== 'acl')) {
      continue;
    } else if (ctx.h === 'acl') {
      // The new ACL's own `name:` line is printed, not part of its statements.
      if (!(ctx.edit.kind === 'exim-acl-new' && ctx.edit.lines.length === 0 && line.trim() === `${ctx.edit.acl}:`)) ctx.edit.lines.push(line);
    } else if (ctx.h === 'master') {
      const mo = /^\s*-o\s+(?:\{\s*([^=\s]+)\s*=\s*(.*?)\s*\}|([^=\s]+)=(\S*))\s*$/.exec(line);
      if (!mo) throw new Error(`fix: not a -o line: ${line}`);
      edits.push({ kind: 'master.cf', service: ctx.service, op: ctx.op, name: (mo[1] ?? mo[3])!, value: (mo[2] ?? mo[4])! });
    } else {
      const mp = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
      if (!mp) throw new Error(`fix: not a "name = value" line: ${line}`);
      edits.push({ kind: ctx.h === 'main' ? 'main.cf' : 'exim-main', name: mp[1]!, value: mp[2]!.trim() });
    }
  }
  return edits;
}
