// Runs an Exim ACL in the abstract: for one listener and one kind of bad mail from an untrusted
// client (an unknown user, an over-quota mailbox, a virus), each condition is true, false or
// unknown, and the walk finds the first `accept` such mail can reach.
import { listItems, type EximAcl, type EximCondition, type EximConfig, type EximStatement } from './exim-parse.ts';

export type Tri = boolean | null;

export interface Listener {
  address: string | null;
  port: number | null;
}

export type Failure = 'unknown_user' | 'unknown_relay_user' | 'over_quota' | 'bad_content';

export interface Scenario {
  listener: Listener;
  /** The named domain list the recipient's domain is in (null: not known). */
  domainList: string | null;
  failure: Failure;
}

const MODIFIERS = new Set([
  'message', 'log_message', 'logwrite', 'delay', 'control', 'set', 'add_header', 'remove_header', 'udpsend', 'continue',
  'endpass', 'log_reject_target', 'queue', 'debug', 'bmi_optin',
]);
const CONTENT = new Set(['malware', 'spam', 'regex', 'mime_regex', 'decode', 'demime']);
const CONTENT_VARS = /\$\{?(message_body|message_body_end|spam_|malware_name|mime_|regex_match_string)/;

/** Exim list matching: the first item that matches decides; a list ending in a negative item matches the rest. */
function matchList(items: string[], matches: (item: string) => Tri): Tri {
  let unknown = false;
  for (const raw of items) {
    const neg = raw.startsWith('!');
    const item = neg ? raw.slice(1).trim() : raw;
    const m = matches(item);
    if (m === null) unknown = true;
    else if (m) return unknown ? null : !neg;
  }
  if (unknown) return null;
  return items.length > 0 && items.at(-1)!.startsWith('!');
}

// ---- a small ${if ...} evaluator for listener-dependent conditions ----

class Expr {
  i = 0;
  constructor(readonly s: string, readonly vars: Map<string, string>) {}
  ws() {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }
  /** A braced argument `{...}`, raw text (nested braces kept). */
  braced(): string | undefined {
    this.ws();
    if (this.s[this.i] !== '{') return undefined;
    let depth = 0;
    const start = this.i;
    for (; this.i < this.s.length; this.i++) {
      if (this.s[this.i] === '\\') this.i++;
      else if (this.s[this.i] === '{') depth++;
      else if (this.s[this.i] === '}' && --depth === 0) break;
    }
    this.i++;
    return this.s.slice(start + 1, this.i - 1);
  }
  word(): string {
    this.ws();
    const m = /^(!|[a-z_]+|==|=|!=|<=|>=|<|>)/i.exec(this.s.slice(this.i));
    if (!m) return '';
    this.i += m[0].length;
    return m[0];
  }
  /** Substitutes the listener's variables; anything else makes the text unknown. */
  text(raw: string | undefined): string | null {
    if (raw === undefined) return null;
    const out = raw.replace(/\$\{?([a-z_]+)\}?/g, (m, name: string) => this.vars.get(name) ?? '\u0000');
    return out.includes('\u0000') ? null : out.trim();
  }
  cond(): Tri {
    const w = this.word();
    if (w === '!') {
      const c = this.cond();
      return c === null ? null : !c;
    }
    if (w === 'and' || w === 'or') {
      const body = this.braced();
      if (body === undefined) return null;
      const sub = new Expr(body, this.vars);
      const parts: Tri[] = [];
      for (let b = sub.braced(); b !== undefined; b = sub.braced()) parts.push(new Expr(b, this.vars).cond());
      if (w === 'and') return parts.includes(false) ? false : parts.includes(null) ? null : true;
      return parts.includes(true) ? true : parts.includes(null) ? null : false;
    }
    const a = this.text(this.braced());
    const b = this.text(this.braced());
    if (a === null || b === null) return null;
    switch (w) {
      case 'eq':
        return a === b;
      case 'eqi':
        return a.toLowerCase() === b.toLowerCase();
      case '=':
      case '==':
        return Number(a) === Number(b);
      case '!=':
        return Number(a) !== Number(b);
      case 'match_ip':
      case 'inlist':
        return listItems(b).some((x) => x === a) ? true : listItems(b).every((x) => /^[0-9a-f.:]+$/i.test(x)) ? false : null;
      default:
        return null;
    }
  }
}

/** The truth of `condition = ...` for a listener: only `${if ...}` over interface variables is known. */
export function evalCondition(value: string, l: Listener): Tri {
  const vars = new Map<string, string>();
  if (l.address !== null) for (const v of ['interface_address', 'received_ip_address']) vars.set(v, l.address);
  if (l.port !== null) for (const v of ['interface_port', 'received_port']) vars.set(v, String(l.port));
  const m = /^\$\{if\s+([\s\S]*)\}$/.exec(value.trim());
  if (!m) return null;
  const e = new Expr(m[1]!, vars);
  const c = e.cond();
  const yes = e.braced();
  const no = e.braced();
  if (c === null) return null;
  const result = yes === undefined ? (c ? 'true' : '') : c ? yes : (no ?? '');
  const r = e.text(result);
  if (r === null) return null;
  return r !== '' && !/^(0|no|false)$/i.test(r);
}

export const isContentCondition = (c: EximCondition) => CONTENT.has(c.name) || (c.name === 'condition' && CONTENT_VARS.test(c.value));

function verifyValue(c: EximCondition, s: Scenario): Tri {
  const [what, ...opts] = c.value.split('/').map((x) => x.trim());
  if (what !== 'recipient') return null;
  const has = (o: string) => opts.some((x) => x === o || x.startsWith(`${o}=`) || x.startsWith(`${o},`));
  switch (s.failure) {
    case 'unknown_user':
      return false;
    case 'unknown_relay_user':
      // Routing a relay domain's address succeeds; only asking the next hop tells.
      return has('callout') ? false : true;
    case 'over_quota':
      return has('quota') ? false : true;
    default:
      return null;
  }
}

export function evalConditionFor(c: EximCondition, s: Scenario): Tri {
  let v: Tri;
  if (MODIFIERS.has(c.name)) return true;
  if (s.failure === 'bad_content' && isContentCondition(c)) v = true;
  else if (c.name === 'hosts') {
    // An untrusted client is taken to be in no host list: `*` alone matches it.
    const items = c.value.trim() === ':' ? [] : listItems(c.value);
    v = matchList(items, (item) => (item === '*' ? true : false));
  } else if (c.name === 'local_parts' || c.name === 'recipients') {
    // Mail for a made-up user is taken to match no list of named local parts or recipients
    // (postmaster, a list of valid users): `*` alone matches it.
    v = s.failure === 'bad_content' ? null : matchList(listItems(c.value), (item) => (item === '*' ? true : false));
  } else if (c.name === 'authenticated') v = false;
  else if (c.name === 'domains') {
    v = matchList(listItems(c.value), (item) => {
      if (item === '*') return true;
      if (item.startsWith('+')) return s.domainList === null ? null : item.slice(1) === s.domainList;
      return null;
    });
  } else if (c.name === 'verify') v = verifyValue(c, s);
  else if (c.name === 'condition') v = evalCondition(c.value, s.listener);
  else v = null;
  if (v === null) return null;
  return c.negated ? !v : v;
}

function statementValue(st: EximStatement, s: Scenario): Tri {
  // A content check happens on this path unless one of its other conditions is surely false.
  const content = s.failure === 'bad_content' && st.conditions.some(isContentCondition);
  let unknown = false;
  for (const c of st.conditions) {
    const v = evalConditionFor(c, s);
    if (v === false) return false;
    if (v === null) unknown = true;
  }
  return unknown && !content ? null : true;
}

/** Index of the first statement where such mail can be accepted, or null when it never is. */
export function firstAccept(acl: EximAcl, s: Scenario): number | null {
  for (let i = 0; i < acl.statements.length; i++) {
    const st = acl.statements[i]!;
    const v = statementValue(st, s);
    switch (st.verb) {
      case 'accept':
        if (v !== false) return i;
        break;
      case 'deny':
      case 'drop':
      case 'defer':
      case 'discard':
        if (v === true) return null;
        break;
      case 'require':
        if (v === false) return null;
        break;
      default:
        break;
    }
  }
  return null;
}

const PORTS: Record<string, number> = { smtp: 25, submission: 587, smtps: 465, ssmtp: 465 };

/** The listeners an ACL may tell apart: local_interfaces x daemon_smtp_ports, as far as ACLs look at them. */
export function listeners(cfg: EximConfig): Listener[] {
  const text = [...cfg.acls.values()].flatMap((a) => a.statements.flatMap((st) => st.conditions.map((c) => c.value))).join('\n');
  const byAddress = /\$\{?(interface_address|received_ip_address)\b/.test(text);
  const byPort = /\$\{?(interface_port|received_port)\b/.test(text);
  const ifaces = listItems(cfg.main.get('local_interfaces')?.value ?? '');
  const ports = listItems(cfg.main.get('daemon_smtp_ports')?.value ?? cfg.main.get('daemon_smtp_port')?.value ?? 'smtp')
    .map((p) => PORTS[p] ?? Number(p))
    .filter((p) => Number.isInteger(p));
  const out: Listener[] = [];
  const addresses: { address: string; port: number | null }[] = ifaces.map((i) => {
    const bracket = /^\[(.+)\]:(\d+)$/.exec(i);
    if (bracket) return { address: bracket[1]!, port: Number(bracket[2]) };
    const dotted = /^(\d+\.\d+\.\d+\.\d+)\.(\d+)$/.exec(i);
    if (dotted) return { address: dotted[1]!, port: Number(dotted[2]) };
    return { address: i, port: null };
  });
  const addrs = byAddress && addresses.length > 0 ? addresses : [{ address: null as string | null, port: null as number | null }];
  for (const a of addrs) {
    const ps = byPort ? (a.port !== null ? [a.port] : ports) : [null];
    for (const p of ps) out.push({ address: byAddress ? a.address : null, port: p });
  }
  return out;
}

export function listenerLabel(l: Listener): string {
  if (l.address === null && l.port === null) return 'all listeners';
  if (l.port === null) return l.address!;
  return l.address === null ? `port ${l.port}` : `[${l.address}]:${l.port}`;
}
