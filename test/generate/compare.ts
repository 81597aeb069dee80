// Imports a generated log with the real `bouncewatch` command into a fresh SQLite file and lists
// every difference between its reading (`messages --json`, `report --json`) and the
// generator's truth files, as readable lines.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface TruthRecipient {
  address: string;
  orig_address: string | null;
  status: string;
  cause: string | null;
}

export interface TruthMessage {
  host: string;
  queue_id: string;
  sender: string;
  recipients: TruthRecipient[];
  outcome: string;
  ndr_queue_id: string | null;
  ndr_fate: string | null;
  backscatter: boolean;
}

export interface TruthTotals {
  generator: { end: string };
  host_in_log: boolean;
  local_domains: string[];
  lines: { total: number; mail: number; other: number };
  messages: Record<string, number>;
  report: Record<string, number | Record<string, number>>;
}

interface BwMessage {
  host: string;
  queue_id: string;
  sender: string | null;
  recipients: { address: string; orig_address: string | null; status: string; cause: string | null }[];
  outcome: string;
  ndr: { queue_id: string; fate: string } | null;
  backscatter: boolean;
}

function bouncewatch(args: string[]): string {
  // Classic syslog and the mainlog carry local time: the generator writes UTC.
  return execFileSync(process.execPath, [path.join(REPO, 'bin/bouncewatch.js'), ...args], {
    cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, TZ: 'UTC' },
  });
}

export function readTruth(log: string): { totals: TruthTotals; messages: TruthMessage[] } {
  const totals = JSON.parse(readFileSync(`${log}.truth.json`, 'utf8')) as TruthTotals;
  const messages = readFileSync(`${log}.truth.jsonl`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as TruthMessage);
  return { totals, messages };
}

export interface Reading {
  messages: BwMessage[];
  report: Record<string, unknown> & { lines: Record<string, number> };
}

export function importLog(log: string, db: string, totals: TruthTotals): Reading {
  const year = new Date(Date.parse(totals.generator.end) - 1).getUTCFullYear();
  bouncewatch(['import', '--db', db, '--year', String(year), '--local-domains', totals.local_domains.join(','), log]);
  const messages = bouncewatch(['messages', '--db', db, '--json']).split('\n').filter(Boolean).map((l) => JSON.parse(l) as BwMessage);
  const report = JSON.parse(bouncewatch(['report', '--db', db, '--json'])) as Reading['report'];
  return { messages, report };
}

const low = (s: string | null | undefined): string => (s ?? '').toLowerCase();

function compareMessage(t: TruthMessage, m: BwMessage | undefined): string[] {
  const id = `${t.host} ${t.queue_id}`;
  if (!m) return [`${id}: missing from bouncewatch's messages (truth: ${t.outcome})`];
  const p: string[] = [];
  const want = (what: string, got: unknown, expected: unknown) => {
    if (got !== expected) p.push(`${id}: ${what} is ${JSON.stringify(got)}, truth ${JSON.stringify(expected)}`);
  };
  want('outcome', m.outcome, t.outcome);
  want('sender', m.sender ?? '', t.sender);
  want('backscatter', m.backscatter, t.backscatter);
  want('NDR queue id', m.ndr?.queue_id ?? null, t.ndr_queue_id);
  want('NDR fate', m.ndr?.fate ?? null, t.ndr_fate);
  const seen = new Set<string>();
  for (const r of t.recipients) {
    const got = m.recipients.find((x) => low(x.address) === low(r.address));
    seen.add(low(r.address));
    if (!got) {
      p.push(`${id}: recipient ${r.address} missing (bouncewatch has ${m.recipients.map((x) => x.address).join(', ') || 'none'})`);
      continue;
    }
    want(`${r.address} status`, got.status, r.status);
    want(`${r.address} cause`, got.cause ?? null, r.cause);
    want(`${r.address} orig_address`, low(got.orig_address) || null, low(r.orig_address) || null);
  }
  for (const x of m.recipients) if (!seen.has(low(x.address))) p.push(`${id}: extra recipient ${x.address} (${x.status})`);
  return p;
}

function compareReport(totals: TruthTotals, report: Reading['report']): string[] {
  const p: string[] = [];
  const lines = report.lines;
  if (lines.total !== totals.lines.total) p.push(`report: lines.total ${lines.total}, truth ${totals.lines.total}`);
  if (lines.mail !== totals.lines.mail) p.push(`report: lines.mail ${lines.mail}, truth ${totals.lines.mail}`);
  if (lines.other !== totals.lines.other) p.push(`report: lines.other ${lines.other}, truth ${totals.lines.other}`);
  if (lines.unknown !== 0) p.push(`report: lines.unknown ${lines.unknown}, truth 0`);
  for (const [k, v] of Object.entries(totals.report)) {
    const got = report[k];
    if (typeof v === 'number') {
      if (got !== v) p.push(`report: ${k} ${JSON.stringify(got)}, truth ${v}`);
      continue;
    }
    const g = (got ?? {}) as Record<string, number>;
    for (const c of new Set([...Object.keys(v), ...Object.keys(g)])) {
      if ((g[c] ?? 0) !== (v[c] ?? 0)) p.push(`report: ${k}.${c} ${g[c] ?? 0}, truth ${v[c] ?? 0}`);
    }
  }
  return p;
}

/** Every difference between the truth and bouncewatch's reading. */
export function compare(totals: TruthTotals, truth: TruthMessage[], got: Reading): string[] {
  // A mainlog names no host: match on the queue id alone there.
  const key = (host: string, qid: string) => (totals.host_in_log ? `${host} ${qid}` : qid);
  const byKey = new Map(got.messages.map((m) => [key(m.host, m.queue_id), m]));
  const problems = truth.flatMap((t) => compareMessage(t, byKey.get(key(t.host, t.queue_id))));
  const known = new Set(truth.map((t) => key(t.host, t.queue_id)));
  for (const m of got.messages) {
    if (!known.has(key(m.host, m.queue_id))) problems.push(`${m.host} ${m.queue_id}: listed by bouncewatch (${m.outcome}) but not a message in the truth`);
  }
  return [...problems, ...compareReport(totals, got.report)];
}
