// Gathers a digest from the store: the period and the one before it, the report summary
// of both, causes, the top sources, the recommendations that are new or worse than before,
// the top changes, the alerts that started in the period, and the blocklist watch.
import { hostname } from 'node:os';
import { parseTime, spanLabel } from '../report/iso-time.ts';
import { recommend } from '../advise/recommend.ts';
import type { Recommendation } from '../advise/types.ts';
import { summarize } from '../report/summary.ts';
import type { Store } from '../store/store.ts';
import type { Period } from '../store/types.ts';
import { collectAlerts } from './alerts.ts';
import { collectBlocklists } from './blocklists.ts';
import { figures, subjectLine } from './figures.ts';
import { isoTime } from './format.ts';
import type { Advice, CauseRow, Digest, AdviceChange, SourceTable } from './types.ts';

export const TOP_SOURCES = 5;
export const TOP_ADVICE = 5;
export const TOP_CHANGES = 8;

export interface CollectOptions {
  subjectPrefix?: string | undefined;
  dashboardUrl?: string | undefined;
}

// The period asked for (--since/--until) and the one just before it, of the same length.
export interface DigestPeriods {
  current: Period;
  previous: Period;
  /** "24h" when --since was a span, else the period's length ("17m 8s", "3d"). */
  label: string;
}

const UNITS: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];

/** A length as its two largest non-zero units: 3d, 1d 6h, 17m 8s, 0s. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(ms / 1000) * 1000);
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`);
  }
  const shown = parts.slice(0, 2).filter((p, i) => i === 0 || !p.startsWith('0'));
  return shown.length > 0 ? shown.join(' ') : '0s';
}

/**
 * A span in --since counts back from --until when one is given (so `--since 24h --until
 * 2026-11-28` is that calendar day), otherwise from now, like the other commands.
 */
// "Now" is taken to the second: milliseconds would only lengthen the times the digest prints.
export function digestPeriods(since: string, until: string | undefined, now = Math.floor(Date.now() / 1000) * 1000, host?: string): DigestPeriods {
  const to = until === undefined ? now : parseTime(until, '--until', now);
  const from = parseTime(since, '--since', to);
  if (!(from < to)) throw new Error(`--since: "${since}" is not before the end of the period (${new Date(to).toISOString()})`);
  const label = spanLabel(since) ?? formatDuration(to - from);
  // --host: both periods read that host alone.
  const only = host === undefined ? {} : { host };
  return { current: { from, to, ...only }, previous: { from: from - (to - from), to: from, ...only }, label };
}

/** "mx1" when one host logged the period's mail, "3 hosts" for more, this machine for none. */
export async function hostLabel(store: Store, p: Period): Promise<string> {
  const hosts = await store.hosts(p);
  if (hosts.length === 1) return hosts[0]!;
  if (hosts.length > 1) return `${hosts.length} hosts`;
  return hostname().split('.')[0] || 'localhost';
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0) || 0);

async function sourceTables(store: Store, p: Period): Promise<SourceTable[]> {
  const kinds = ['local_domain', 'recipient', 'client', 'sender_domain'] as const;
  const read = new Map<SourceTable['key'], Record<string, unknown>[]>();
  for (const k of kinds) read.set(k, await store.sources(p, k, TOP_SOURCES));
  const rows = (kind: SourceTable['key']) => read.get(kind)!;
  return [
    {
      key: 'local_domain', title: 'Recipient domains that bounce', columns: ['domain', 'cause', 'failed'],
      rows: rows('local_domain').map((r) => ({ cells: [str(r.domain), str(r.cause)], numbers: [num(r.count)], count: num(r.count) })),
    },
    {
      key: 'recipient', title: 'Recipients that bounce', columns: ['recipient', 'cause', 'failed'],
      rows: rows('recipient').map((r) => ({ cells: [r.address === null ? '(address not logged)' : str(r.address), str(r.cause)], numbers: [num(r.count)], count: num(r.count) })),
    },
    {
      key: 'client', title: 'Remote clients whose mail bounced', columns: ['client', 'HELO', 'bounced', 'backscatter'],
      rows: rows('client').map((r) => ({
        cells: [`${str(r.client_name) || 'unknown'}[${str(r.client_ip)}]`, str(r.helo)],
        numbers: [num(r.bounced), num(r.backscatter)],
        count: num(r.bounced),
      })),
    },
    {
      key: 'sender_domain', title: 'Forged sender domains hit by backscatter', columns: ['sender domain', 'NDRs', 'refused'],
      rows: rows('sender_domain').map((r) => ({ cells: [str(r.sender_domain) || '(none)'], numbers: [num(r.ndrs), num(r.rejected)], count: num(r.ndrs) })),
    },
  ];
}

function causeRows(cur: Record<string, number>, prev: Record<string, number>): CauseRow[] {
  const names = new Set([...Object.keys(cur), ...Object.keys(prev)]);
  return [...names]
    .map((cause) => ({ cause, current: cur[cause] ?? 0, previous: prev[cause] ?? 0 }))
    .sort((a, b) => b.current - a.current || b.previous - a.previous || a.cause.localeCompare(b.cause));
}

/** Recommendations whose id did not come up before on their host, or that would now prevent more NDRs. */
export function adviceChanges(cur: Recommendation[], prev: Recommendation[]): AdviceChange[] {
  const key = (r: Recommendation) => JSON.stringify([r.host, r.id]);
  const before = new Map(prev.map((r) => [key(r), r.prevented]));
  const out: AdviceChange[] = [];
  for (const r of cur) {
    const was = before.get(key(r));
    const it = { id: r.id, mta: r.mta, host: r.host, title: r.title };
    if (was === undefined) out.push({ ...it, status: 'new', prevented: r.prevented, previous: 0 });
    else if (r.prevented > was) out.push({ ...it, status: 'worse', prevented: r.prevented, previous: was });
  }
  return out;
}

/**
 * The first line of a change that is not a comment: the setting itself. A change with no
 * setting (a listing: stop the backscatter, request delisting) shows its first comment.
 */
export function firstSetting(change: string): string {
  const lines = change.split('\n').map((l) => l.trim());
  return lines.find((l) => l !== '' && !l.startsWith('#')) ?? lines.find((l) => l !== '')?.replace(/^#\s*/, '') ?? '';
}

export function advice(recs: Recommendation[]): Advice[] {
  return recs.slice(0, TOP_ADVICE).map((r) => ({
    id: r.id, mta: r.mta, host: r.host, title: r.title, severity: r.severity, change: firstSetting(r.change), prevented: r.prevented,
  }));
}

/**
 * The dashboard link for the period: the given URL with from/to (ISO 8601), and its host if it
 * names one, in its query.
 * Written by hand, not by URLSearchParams, so the colons stay readable in a text mail.
 */
export function dashboardLink(base: string, p: Period): string {
  const u = new URL(base);
  u.searchParams.delete('from');
  u.searchParams.delete('to');
  u.searchParams.delete('host');
  const q = u.search.length > 1 ? `${u.search}&` : '?';
  u.search = '';
  const host = p.host === undefined ? '' : `&host=${encodeURIComponent(p.host)}`;
  return `${u.toString().replace(/#.*$/, '')}${q}from=${isoTime(p.from)}&to=${isoTime(p.to)}${host}${u.hash}`;
}

export async function collectDigest(store: Store, periods: DigestPeriods, opts: CollectOptions = {}): Promise<Digest> {
  const { current, previous, label } = periods;
  const cur = await summarize(store, current.from, current.to, current.host);
  const prev = await summarize(store, previous.from, previous.to, previous.host);
  const recsCur = await recommend(store, current);
  const found = adviceChanges(recsCur, await recommend(store, previous));
  const host = await hostLabel(store, current);
  return {
    host,
    label,
    current,
    previous,
    subject: subjectLine({ host, label, backscatter: cur.backscatter, previous: prev.backscatter, prefix: opts.subjectPrefix }),
    figures: figures(cur, prev),
    causes: causeRows(cur.causes, prev.causes),
    sources: await sourceTables(store, current),
    changes: found.slice(0, TOP_CHANGES),
    changesTotal: found.length,
    advice: advice(recsCur),
    alerts: await collectAlerts(store, current),
    blocklists: await collectBlocklists(store, current),
    dashboard: opts.dashboardUrl ? dashboardLink(opts.dashboardUrl, current) : null,
  };
}
