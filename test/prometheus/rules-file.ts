// Reads contrib/prometheus/bouncewatch.rules.yml for the tests: each alert's fields, and the
// metric names its PromQL expression selects. A reader of this one file's shape (a list of
// `- alert:` items; `expr:` on one line or as a folded `>-` block), not a YAML parser: promtool
// checks the YAML itself.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RULES_DIR = fileURLToPath(new URL('../../contrib/prometheus/', import.meta.url));
export const RULES = `${RULES_DIR}bouncewatch.rules.yml`;
export const RULE_TESTS = `${RULES_DIR}bouncewatch.rules.test.yml`;

export interface AlertRule {
  alert: string;
  expr: string;
  /** Every `key: value` line of the rule other than expr (for, severity, summary, runbook, ...). */
  fields: Map<string, string>;
}

/** The alerting rules of the file, in order. */
export function readAlertRules(path = RULES): AlertRule[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const rules: AlertRule[] = [];
  let rule: AlertRule | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*#/.test(line) || line.trim() === '') continue;
    const start = /^\s*- alert:\s*(\S+)\s*$/.exec(line);
    if (start) {
      rule = { alert: start[1]!, expr: '', fields: new Map() };
      rules.push(rule);
      continue;
    }
    const kv = /^(\s*)([a-z_]+):\s*(.*)$/.exec(line);
    if (!rule || !kv) continue;
    const [, indent, key, value] = kv as unknown as [string, string, string, string];
    let text = value;
    if (value === '>-' || value === '>' || value === '|') {
      // A block scalar: the lines indented deeper than its key.
      const block: string[] = [];
      while (i + 1 < lines.length && (lines[i + 1]!.trim() === '' || lines[i + 1]!.search(/\S/) > indent.length)) block.push(lines[++i]!.trim());
      text = block.join(' ').trim();
    }
    if (key === 'expr') rule.expr = text;
    else rule.fields.set(key, text);
  }
  return rules;
}

// PromQL words that are not metric names: operators, modifiers and aggregations (functions
// are told apart by the parenthesis that follows them).
const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool',
  'sum', 'min', 'max', 'avg', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'inf', 'nan']);

/** The metric names an expression selects (`up`, `bouncewatch_...`). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // string literals
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1 ') // label lists
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\boffset\s+-?[0-9a-z]+/g, ' ') // offsets
    .replace(/\b\d[\d.e+]*\b/g, ' '); // numbers
  const names = new Set<string>();
  for (const m of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const rest = bare.slice(m.index + m[0].length);
    if (KEYWORDS.has(m[0].toLowerCase()) || /^\s*\(/.test(rest)) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Metric names with at least one sample in a Prometheus text exposition. */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{|\s)/.exec(line);
    if (m) names.add(m[1]!);
  }
  return names;
}
