// Shared by the digest tests: the committed real e2e logs imported with the real CLI, the
// digest command run as a child (asynchronously, so an in-process SMTP server can answer),
// readers that take the figures back out of the text part and the HTML part, and a database
// seeded with hostile strings (markup, handlers, terminal escapes, bidi controls).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser, type ParsedMail } from 'mailparser';
import { collectDigest, digestPeriods, formatDuration } from '../../src/digest/collect.ts';
import type { Digest } from '../../src/digest/types.ts';
import type { Db } from '../../src/store/sqlite/db.ts';
import { cliOk } from '../cli/run-cli.ts';
import { openTestStore } from '../lib/store.ts';
import { run, type RunResult } from '../e2e/lib/processes.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/bouncewatch.js');
const FIX = path.join(ROOT, 'test/fixtures');

export const FIXTURES = [
  { log: path.join(FIX, 'postfix-e2e/mail.log'), truth: path.join(FIX, 'postfix-e2e/truth.json') },
  { log: path.join(FIX, 'exim-e2e/exim-syslog.log'), truth: path.join(FIX, 'exim-e2e/truth.json') },
];

/**
 * A window of whole hours (two at least) from the hour of the earlier fixture run to the hour
 * after the later one: the e2e harnesses stamp their logs with the time they ran (each MTA's
 * fixtures are regenerated on their own), so the window comes from truth.json, never a fixed date.
 */
export const WINDOW = (() => {
  const runs = FIXTURES.map((f) => Date.parse((JSON.parse(readFileSync(f.truth, 'utf8')) as { generated_at: string }).generated_at));
  const until = Math.ceil((Math.max(...runs) + 15 * 60_000) / 3_600_000) * 3_600_000;
  const ms = Math.max(2 * 3_600_000, until - Math.floor((Math.min(...runs) - 60_000) / 3_600_000) * 3_600_000);
  const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
  const hm = (t: number) => new Date(t).toISOString().slice(11, 16);
  const span = formatDuration(ms);
  return { since: `${ms / 3_600_000}h`, span, ms, until: iso(until), label: `${new Date(until - ms).toISOString().slice(0, 10)} ${hm(until - ms)} – ${hm(until)} UTC` };
})();

/** Both real e2e logs into `db`, each with --year from its truth.json, as a user would. */
export function importFixtures(db: string): void {
  for (const f of FIXTURES) {
    const truth = JSON.parse(readFileSync(f.truth, 'utf8')) as { generated_at: string };
    cliOk(['import', '--db', db, '--year', String(new Date(truth.generated_at).getUTCFullYear()), f.log]);
  }
}

/** `bouncewatch ARGS` in a child process, without blocking this one. */
export async function bw(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return await run(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
}

export async function bwOk(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await bw(args, env);
  if (r.code !== 0) throw new Error(`bouncewatch ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

export interface Report {
  from: string;
  to: string;
  accepted: number;
  rejected_at_smtp: number;
  bounced_after_accept: number;
  ndrs: number;
  backscatter: number;
  causes: Record<string, number>;
}

export async function report(db: string, from: number, to: number): Promise<Report> {
  const out = await bwOk(['report', '--db', db, '--json', '--since', new Date(from).toISOString(), '--until', new Date(to).toISOString()]);
  return JSON.parse(out) as Report;
}

/** The figures a digest must show for a report, keyed like the HTML's data-k attributes. */
export function expectedFigures(r: Report): Record<string, string> {
  const after = Object.values(r.causes).reduce((a, n) => a + n, 0);
  const all = r.rejected_at_smtp + after;
  return {
    accepted: String(r.accepted),
    rejected_at_smtp: String(r.rejected_at_smtp),
    bounced_after_accept: String(r.bounced_after_accept),
    ndrs: String(r.ndrs),
    backscatter: String(r.backscatter),
    smtp_refusal_share: all === 0 ? '–' : `${((100 * r.rejected_at_smtp) / all).toFixed(1)}%`,
  };
}

/** The row labels of the text part's figure table (part of what a reader sees). */
const TEXT_LABELS: Record<string, string> = {
  accepted: 'accepted',
  'rejected at SMTP time': 'rejected_at_smtp',
  'bounced after accept': 'bounced_after_accept',
  'NDRs sent': 'ndrs',
  'backscatter NDRs': 'backscatter',
  'bad recipients refused at SMTP': 'smtp_refusal_share',
};

export interface Figures {
  current: Record<string, string>;
  previous: Record<string, string>;
}

/** Figures from the text part: the rows after the "this <period>  before  change" heading. */
export function textFigures(text: string): Figures {
  const lines = text.split('\n');
  // The period's length may hold a space ("51m 7s"): the columns are two spaces or more apart.
  const start = lines.findIndex((l) => /^\s+this \S+(?: \S+)*\s{2,}before\s+change$/.test(l));
  if (start < 0) throw new Error(`no figure table in the text part:\n${text}`);
  const out: Figures = { current: {}, previous: {} };
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    const [label, cur, prev] = line.trim().split(/\s{2,}/);
    const key = TEXT_LABELS[label ?? ''];
    if (!key || cur === undefined || prev === undefined) throw new Error(`unexpected figure row: ${line}`);
    out.current[key] = cur;
    out.previous[key] = prev;
  }
  return out;
}

/** Figures from the HTML part's data-k / data-p cells. */
export function htmlFigures(html: string): Figures {
  const out: Figures = { current: {}, previous: {} };
  for (const m of html.matchAll(/<td[^>]*\sdata-k="([a-z_]+)" data-p="(current|previous)">([^<]*)<\/td>/g)) {
    out[m[2] as 'current' | 'previous'][m[1]!] = m[3]!.replace(/&ndash;/g, '–');
  }
  return out;
}

/** Causes from the text part (name -> [now, before]) and from the HTML's data-cause cells. */
export function textCauses(text: string): Record<string, [string, string]> {
  const out: Record<string, [string, string]> = {};
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^\s+cause\s+now\s+before$/.test(l));
  if (start < 0) return out;
  for (const line of lines.slice(start + 1)) {
    const m = /^\s+(\S+)\s+(\d+)\s+(\d+)/.exec(line);
    if (!m) break;
    out[m[1]!] = [m[2]!, m[3]!];
  }
  return out;
}

export function htmlCauses(html: string): Record<string, [string, string]> {
  const out: Record<string, [string, string]> = {};
  for (const m of html.matchAll(/data-cause="([a-z_]+)" data-p="(current|previous)">(\d+)</g)) {
    const row = (out[m[1]!] ??= ['', '']);
    row[m[2] === 'current' ? 0 : 1] = m[3]!;
  }
  return out;
}

export interface ParsedDigest {
  mail: ParsedMail;
  text: string;
  html: string;
}

export async function parseDigest(raw: string | Buffer): Promise<ParsedDigest> {
  const mail = await simpleParser(raw);
  if (typeof mail.text !== 'string' || typeof mail.html !== 'string') throw new Error('the digest lacks a text or an HTML part');
  return { mail, text: mail.text, html: mail.html };
}

/** What the HTML may never contain: scripts, handlers, or a reference to anything on the web but `allowed`. */
export function htmlProblems(html: string, allowed: string[] = []): string[] {
  const problems: string[] = [];
  if (/<script/i.test(html)) problems.push('has a <script');
  for (const tag of html.match(/<[a-z][^>]*>/gi) ?? []) {
    if (/\son[a-z]+\s*=/i.test(tag)) problems.push(`event handler in ${tag}`);
    for (const m of tag.matchAll(/\s(?:src|href|action|background|poster)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
      const url = (m[1] ?? m[2] ?? m[3] ?? '').replace(/&amp;/g, '&');
      if (/^\s*(https?:)?\/\//i.test(url) && !allowed.includes(url)) problems.push(`external reference ${url}`);
      if (/^\s*javascript:/i.test(url)) problems.push(`javascript: URL in ${tag}`);
    }
  }
  if (/url\(\s*['"]?\s*(https?:)?\/\//i.test(html)) problems.push('CSS url() to the web');
  if (/@import|<link\b|<img\b|<iframe\b|<object\b|<embed\b|<form\b/i.test(html)) problems.push('a tag or rule that loads something');
  return problems;
}

/** Message times in the database (ms), from `messages --json`, in order. */
export async function messageTimes(db: string): Promise<{ t: number; host: string }[]> {
  const out = await bwOk(['messages', '--db', db, '--json']);
  return out.split('\n').filter(Boolean)
    .map((l) => JSON.parse(l) as { received_at: string; host: string })
    .map((m) => ({ t: Date.parse(m.received_at), host: m.host }))
    .sort((a, b) => a.t - b.t);
}

export const HOSTILE = {
  host: 'mx<i>1</i>',
  helo: '<script>alert(1)</script>',
  client: '"><img src=https://evil.test/x.png onerror=alert(1)>',
  recipient: '<b>bob</b>@pfx.test',
  sender: 'x@evil.test',
  senderDomain: 'evil.test\u001b[31mRED\u202eabc',
};

const T = Date.parse('2026-11-27T19:00:00Z');

/** One remote, bounced, backscatter message made of the strings above, and an SMTP reject. */
export function seedHostile(db: Db): void {
  const id = db.prepare(`INSERT INTO messages (mta, host, queue_id, queue_ids, message_id, origin, received_at, last_at, client_ip,
      client_name, helo, authenticated, remote, sender, sender_domain, outcome, ndr_queue_id, ndr_to, ndr_fate, ndr_count, backscatter)
    VALUES ('postfix', @host, 'ABC123', '["ABC123"]', 'm@evil.test', 'smtp', @t, @t, '198.51.100.7', @client, @helo, 0, 1, @sender,
      @domain, 'bounced_after_accept', 'DEF456', @sender, 'delivered', 1, 1)`)
    .run({ host: HOSTILE.host, t: T + 60_000, client: HOSTILE.client, helo: HOSTILE.helo, sender: HOSTILE.sender, domain: HOSTILE.senderDomain })
    .lastInsertRowid;
  db.prepare(`INSERT INTO recipients (message, seq, address, status, dsn, cause, reason) VALUES (?, 0, ?, 'bounced', '5.1.1', 'unknown_recipient', ?)`)
    .run(id, HOSTILE.recipient, `<${HOSTILE.recipient}>: User unknown <a href="https://evil.test">x</a>`);
  // Its NDR, as the writer lists every notification (migration 0011).
  db.prepare(`INSERT INTO notifications (message, seq, queue_id, type, rcpt, fate) VALUES (?, 0, 'DEF456', 'non_delivery', ?, 'delivered')`)
    .run(id, HOSTILE.sender);
  db.prepare(`INSERT INTO smtp_rejects (time, mta, host, action, stage, by_program, client_ip, client_name, helo, recipient, cause, reason, line)
    VALUES (?, 'postfix', ?, 'reject', 'RCPT', 'smtpd', '198.51.100.8', ?, ?, ?, 'unknown_recipient', 'User unknown', 'line')`)
    .run(T + 120_000, HOSTILE.host, HOSTILE.client, HOSTILE.helo, HOSTILE.recipient);
}

export async function hostileDigest(dir: string): Promise<Digest> {
  const store = openTestStore(path.join(dir, 'hostile.db'));
  try {
    seedHostile(store.db);
    return await collectDigest(store, digestPeriods('1h', '2026-11-27T20:00:00Z'), { dashboardUrl: 'https://dash.example.test/bw/' });
  } finally {
    await store.close();
  }
}
