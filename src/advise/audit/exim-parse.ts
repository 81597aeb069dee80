// Reads an Exim runtime configuration (the configure file, `exim -bP config`, or plain
// `exim -bP` main options): macros and .ifdef, backslash continuations, named lists, main
// options, the ACL section (named ACLs, their statements and conditions), routers, transports.

export interface EximCondition {
  negated: boolean;
  name: string;
  value: string;
  line: number;
}

export interface EximStatement {
  verb: string;
  conditions: EximCondition[];
  /** 1-based line of the verb in the file that was parsed (0 when it came from an .include). */
  line: number;
  /** The verb line as written, whitespace folded: how a fix names the statement. */
  text: string;
}

export interface EximAcl {
  name: string;
  statements: EximStatement[];
  line: number;
}

export interface EximDriver {
  name: string;
  options: Map<string, string>;
}

export type ListKind = 'domainlist' | 'hostlist' | 'addresslist' | 'localpartlist';

export interface EximConfig {
  main: Map<string, { value: string; line: number }>;
  lists: Map<string, { kind: ListKind; value: string }>;
  acls: Map<string, EximAcl>;
  routers: EximDriver[];
  transports: EximDriver[];
  /** The input had a `begin acl` section (plain `exim -bP` output has none). */
  hasAclSection: boolean;
  notes: string[];
}

export const VERBS = new Set(['accept', 'defer', 'deny', 'discard', 'drop', 'require', 'warn']);

interface Line {
  text: string;
  line: number;
}

export interface ParseOptions {
  /** Reads an .include'd file; null when it cannot. */
  readInclude?: (path: string) => string | null;
}

/** Lines with continuations joined; comments and blank lines dropped. */
function physical(text: string, fromInclude: boolean): Line[] {
  const out: Line[] = [];
  const raw = text.split(/\r?\n/);
  for (let i = 0; i < raw.length; i++) {
    const start = i;
    let t = raw[i]!;
    if (/^\s*#/.test(t) || t.trim() === '') continue;
    // A trailing backslash joins the next line, whose leading blanks are dropped.
    while (/\\\s*$/.test(t) && i + 1 < raw.length) {
      const next = raw[++i]!;
      if (/^\s*#/.test(next)) continue;
      t = t.replace(/\\\s*$/, '') + next.trimStart();
    }
    out.push({ text: t.trim(), line: fromInclude ? 0 : start + 1 });
  }
  return out;
}

const MACRO_DEF = /^([A-Z][A-Za-z0-9_]*)\s*(==?)\s*(.*)$/;

/** Macros, .ifdef / .ifndef / .elifdef / .elifndef / .else / .endif, and .include, in file order. */
class Preprocessor {
  readonly macros = new Map<string, string>();
  readonly out: Line[] = [];
  constructor(readonly opts: ParseOptions, readonly notes: string[]) {}

  // Built-in macros (_HAVE_*, _OPT_*, _DRIVER_*) describe features; take them as present.
  defined(name: string): boolean {
    return this.macros.has(name) || name.startsWith('_');
  }

  substitute(text: string): string {
    if (this.macros.size === 0 || !/[A-Z_]/.test(text)) return text;
    let t = text;
    for (const [name, value] of [...this.macros].sort((a, b) => b[0].length - a[0].length)) {
      if (t.includes(name)) t = t.replace(new RegExp(`(?<![A-Za-z0-9_])${name}(?![A-Za-z0-9_])`, 'g'), () => value);
    }
    return t;
  }

  run(lines: Line[], depth: number): void {
    // Each level: whether this branch is live, and whether any branch of the .if was taken.
    const stack: { live: boolean; taken: boolean }[] = [];
    const live = () => stack.every((x) => x.live);
    for (const l of lines) {
      const d = /^\.(ifdef|ifndef|elifdef|elifndef|else|endif)\b\s*(\S*)/.exec(l.text);
      if (d) {
        const kw = d[1]!;
        const name = d[2]!;
        if (kw === 'ifdef' || kw === 'ifndef') {
          const yes = live() && (kw === 'ifdef') === this.defined(name);
          stack.push({ live: yes, taken: yes });
        } else if (kw === 'endif') {
          stack.pop();
        } else {
          const top = stack.at(-1);
          if (!top) continue;
          const yes = kw === 'else' ? true : (kw === 'elifdef') === this.defined(name);
          top.live = !top.taken && yes;
          top.taken ||= top.live;
        }
        continue;
      }
      if (!live()) continue;
      const inc = /^\.include(_if_exists)?\s+(.+)$/.exec(l.text);
      if (inc) {
        const file = this.substitute(inc[2]!.trim());
        const body = depth < 10 ? (this.opts.readInclude?.(file) ?? null) : null;
        if (body !== null) this.run(physical(body, true), depth + 1);
        else if (!inc[1]) this.notes.push(`cannot read .include ${file}: what it holds was not audited`);
        continue;
      }
      const m = MACRO_DEF.exec(l.text);
      if (m) {
        if (m[2] === '=' && this.macros.has(m[1]!)) continue;
        this.macros.set(m[1]!, this.substitute(m[3]!));
        continue;
      }
      this.out.push({ text: this.substitute(l.text), line: l.line });
    }
  }
}

const NAME_LINE = /^([A-Za-z0-9_\-.]+):\s*$/;
const OPTION = /^(?:hide\s+)?([a-z0-9_]+)\s*=\s*(.*)$/;

function condition(text: string, line: number): EximCondition {
  const m = /^(!?)\s*([a-z_]+)\s*(?:=\s*(.*))?$/.exec(text);
  if (!m) return { negated: false, name: text, value: '', line };
  return { negated: m[1] === '!', name: m[2]!, value: (m[3] ?? '').trim(), line };
}

export function parseExim(text: string, opts: ParseOptions = {}): EximConfig {
  const notes: string[] = [];
  const pre = new Preprocessor(opts, notes);
  pre.run(physical(text, false), 0);
  const lines = pre.out;
  const cfg: EximConfig = { main: new Map(), lists: new Map(), acls: new Map(), routers: [], transports: [], hasAclSection: false, notes };
  let section = 'main';
  let acl: EximAcl | null = null;
  let stmt: EximStatement | null = null;
  let driver: EximDriver | null = null;
  for (const l of lines) {
    const begin = /^begin\s+(\S+)$/.exec(l.text);
    if (begin) {
      section = begin[1]!;
      if (section === 'acl') cfg.hasAclSection = true;
      acl = null;
      stmt = null;
      driver = null;
      continue;
    }
    if (section === 'main') {
      const list = /^(domainlist|hostlist|addresslist|localpartlist)\s+([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(l.text);
      if (list) {
        cfg.lists.set(list[2]!, { kind: list[1] as ListKind, value: list[3]!.trim() });
        continue;
      }
      const o = OPTION.exec(l.text);
      if (o) cfg.main.set(o[1]!, { value: o[2]!.trim(), line: l.line });
      else if (/^(no_|not_)?[a-z0-9_]+$/.test(l.text)) cfg.main.set(l.text.replace(/^(no_|not_)/, ''), { value: /^(no_|not_)/.test(l.text) ? 'false' : 'true', line: l.line });
      continue;
    }
    if (section === 'acl') {
      const name = NAME_LINE.exec(l.text);
      if (name) {
        acl = { name: name[1]!, statements: [], line: l.line };
        cfg.acls.set(acl.name, acl);
        stmt = null;
        continue;
      }
      if (!acl) continue;
      const verb = /^([a-z]+)(?:\s+(.*))?$/.exec(l.text);
      if (verb && VERBS.has(verb[1]!)) {
        stmt = { verb: verb[1]!, conditions: [], line: l.line, text: l.text.replace(/\s+/g, ' ') };
        if (verb[2]) stmt.conditions.push(condition(verb[2].trim(), l.line));
        acl.statements.push(stmt);
      } else if (stmt) {
        stmt.conditions.push(condition(l.text, l.line));
      }
      continue;
    }
    if (section === 'routers' || section === 'transports') {
      const name = NAME_LINE.exec(l.text);
      if (name) {
        driver = { name: name[1]!, options: new Map() };
        (section === 'routers' ? cfg.routers : cfg.transports).push(driver);
        continue;
      }
      if (!driver) continue;
      const o = OPTION.exec(l.text);
      if (o) driver.options.set(o[1]!, o[2]!.trim());
      else driver.options.set(l.text.replace(/^(no_|not_)/, ''), /^(no_|not_)/.test(l.text) ? 'false' : 'true');
    }
  }
  return cfg;
}

/** Items of an Exim list: colon-separated (`::` is a literal colon), or `<X` for another separator. */
export function listItems(value: string): string[] {
  let v = value.trim();
  let sep = ':';
  const change = /^<\s*(\S)\s*/.exec(v);
  if (change && !/[a-z0-9]/i.test(change[1]!)) {
    sep = change[1]!;
    v = v.slice(change[0].length);
  }
  const items: string[] = [];
  let cur = '';
  for (let i = 0; i < v.length; i++) {
    if (v[i] === sep) {
      if (v[i + 1] === sep) {
        cur += sep;
        i++;
        continue;
      }
      items.push(cur.trim());
      cur = '';
    } else {
      cur += v[i];
    }
  }
  items.push(cur.trim());
  return items.filter((x) => x !== '');
}
