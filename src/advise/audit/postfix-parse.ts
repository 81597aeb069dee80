// Reads Postfix configuration text: main.cf or `postconf -n` output (name = value, indented
// continuation lines, whole-line comments), and master.cf or `postconf -M` output (service
// entries with their `-o name=value` overrides, including Postfix 3's `-o { name = value }`).

export interface Param {
  value: string;
  /** 1-based line where the (last) definition starts. */
  line: number;
}

export interface MainCf {
  params: Map<string, Param>;
  /** Lines that are neither comments nor `name = value`: shown as notes, not fatal. */
  bad: number[];
}

export interface Service {
  name: string;
  type: string;
  private: string;
  unpriv: string;
  chroot: string;
  wakeup: string;
  maxproc: string;
  command: string;
  /** `-o` overrides in order; a later one for the same name wins. */
  overrides: [string, string][];
  /** The command's other arguments, in order. */
  args: string[];
  /** 1-based first and last line of the entry. */
  line: number;
  endLine: number;
}

export interface MasterCf {
  services: Service[];
  bad: number[];
}

interface Logical {
  text: string;
  line: number;
  endLine: number;
}

/**
 * Joins continuation lines: a line that starts with whitespace continues the one before. Lines
 * whose first non-blank character is `#`, and blank lines, are skipped (also between the parts
 * of one logical line, as Postfix does).
 */
export function logicalLines(text: string): Logical[] {
  const out: Logical[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const last = out.at(-1);
    if (/^\s/.test(raw) && last) {
      last.text += ` ${trimmed}`;
      last.endLine = i + 1;
    } else {
      out.push({ text: trimmed, line: i + 1, endLine: i + 1 });
    }
  });
  return out;
}

const PARAM = /^([A-Za-z0-9_.\-/:]+)\s*=\s*(.*)$/;

export function parseMainCf(text: string): MainCf {
  const params = new Map<string, Param>();
  const bad: number[] = [];
  for (const l of logicalLines(text)) {
    const m = PARAM.exec(l.text);
    if (!m) {
      bad.push(l.line);
      continue;
    }
    params.set(m[1]!, { value: m[2]!.trim(), line: l.line });
  }
  return { params, bad };
}

/** Splits a master.cf entry into words; `{ ... }` is one word (Postfix 3.0 and later). */
export function masterWords(text: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    if (text[i] === '{') {
      let depth = 0;
      let j = i;
      for (; j < text.length; j++) {
        if (text[j] === '{') depth++;
        else if (text[j] === '}' && --depth === 0) break;
      }
      words.push(text.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < text.length && !/\s/.test(text[j]!)) j++;
    words.push(text.slice(i, j));
    i = j;
  }
  return words;
}

/** `name=value` or `{ name = value }` of one `-o`. */
export function splitOverride(word: string): [string, string] | null {
  const inner = word.startsWith('{') && word.endsWith('}') ? word.slice(1, -1).trim() : word;
  const eq = inner.indexOf('=');
  if (eq <= 0) return null;
  return [inner.slice(0, eq).trim(), inner.slice(eq + 1).trim()];
}

export function parseMasterCf(text: string): MasterCf {
  const services: Service[] = [];
  const bad: number[] = [];
  for (const l of logicalLines(text)) {
    const w = masterWords(l.text);
    if (w.length < 8) {
      bad.push(l.line);
      continue;
    }
    const [name, type, priv, unpriv, chroot, wakeup, maxproc, command] = w as [string, string, string, string, string, string, string, string];
    const overrides: [string, string][] = [];
    const args: string[] = [];
    for (let i = 8; i < w.length; i++) {
      const word = w[i]!;
      if (word === '-o' && i + 1 < w.length) {
        const kv = splitOverride(w[++i]!);
        if (kv) overrides.push(kv);
        else args.push(word, w[i]!);
      } else if (word.startsWith('-o') && word.length > 2 && word.includes('=')) {
        const kv = splitOverride(word.slice(2));
        if (kv) overrides.push(kv);
      } else {
        args.push(word);
      }
    }
    services.push({ name, type, private: priv, unpriv, chroot, wakeup, maxproc, command, overrides, args, line: l.line, endLine: l.endLine });
  }
  return { services, bad };
}

export const serviceId = (s: Pick<Service, 'name' | 'type'>) => `${s.name}/${s.type}`;
