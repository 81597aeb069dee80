// Gathers a digest from the database: the report summary of both periods, causes, the top
// sources, the recommendations that are new or worse than before, and the top changes.
import { recommend } from '../advise/recommend.ts';
import type { Recommendation } from '../advise/types.ts';
import { summarize } from '../report/summary.ts';
import { sources } from '../store/dashboard-queries.ts';
import type { Db } from '../store/db.ts';
import type { Period } from '../store/queries.ts';
import { figures } from './figures.ts';
import type { DigestPeriods } from './period.ts';
import { hostLabel } from './store.ts';
import { subjectLine } from './subject.ts';
import type { Advice, CauseRow, Digest, Finding, SourceTable } from './types.ts';

export const TOP_SOURCES = 5;
export const TOP_ADVICE = 5;
export const TOP_FINDINGS = 8;

export interface CollectOptions {
  subjectPrefix?: string | undefined;
  dashboardUrl?: string | undefined;
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0) || 0);

function sourceTables(db: Db, p: Period): SourceTable[] {
  const rows = (kind: SourceTable['key']) => sources(db, p, kind, TOP_SOURCES);
  return [
    {
      key: 'local_domain', title: 'Recipient domains that bounce', columns: ['domain', 'cause', 'failed'],
      rows: rows('local_domain').map((r) => ({ cells: [str(r.domain), str(r.cause)], numbers: [num(r.count)], count: num(r.count) })),
    },
    {
      key: 'recipient', title: 'Recipients that bounce', columns: ['recipient', 'cause', 'failed'],
      rows: rows('recipient').map((r) => ({ cells: [str(r.address), str(r.cause)], numbers: [num(r.count)], count: num(r.count) })),
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

/** Recommendations whose id did not come up before, or that would now prevent more NDRs. */
export function findings(cur: Recommendation[], prev: Recommendation[]): Finding[] {
  const before = new Map(prev.map((r) => [r.id, r.prevented]));
  const out: Finding[] = [];
  for (const r of cur) {
    const was = before.get(r.id);
    if (was === undefined) out.push({ id: r.id, mta: r.mta, title: r.title, status: 'new', prevented: r.prevented, previous: 0 });
    else if (r.prevented > was) out.push({ id: r.id, mta: r.mta, title: r.title, status: 'worse', prevented: r.prevented, previous: was });
  }
  return out;
}

/** The first line of a change that is not a comment: the setting itself. */
export function firstSetting(change: string): string {
  return change.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#')) ?? '';
}

export function advice(recs: Recommendation[]): Advice[] {
  return recs.slice(0, TOP_ADVICE).map((r) => ({
    id: r.id, mta: r.mta, title: r.title, severity: r.severity, change: firstSetting(r.change), prevented: r.prevented,
  }));
}

/** The dashboard link for the period: the given URL with from/to set (ISO 8601). */
export function dashboardLink(base: string, p: Period): string {
  const u = new URL(base);
  u.searchParams.set('from', new Date(p.from).toISOString());
  u.searchParams.set('to', new Date(p.to).toISOString());
  return u.toString();
}

export function collectDigest(db: Db, periods: DigestPeriods, opts: CollectOptions = {}): Digest {
  const { current, previous, label } = periods;
  const cur = summarize(db, current.from, current.to);
  const prev = summarize(db, previous.from, previous.to);
  const recsCur = recommend(db, current);
  const found = findings(recsCur, recommend(db, previous));
  const host = hostLabel(db, current);
  return {
    host,
    label,
    current,
    previous,
    subject: subjectLine({ host, label, backscatter: cur.backscatter, previous: prev.backscatter, prefix: opts.subjectPrefix }),
    figures: figures(cur, prev),
    causes: causeRows(cur.causes, prev.causes),
    sources: sourceTables(db, current),
    findings: found.slice(0, TOP_FINDINGS),
    findingsTotal: found.length,
    advice: advice(recsCur),
    dashboard: opts.dashboardUrl ? dashboardLink(opts.dashboardUrl, current) : null,
  };
}
