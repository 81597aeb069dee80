// The side-by-side figures from two report summaries, how a figure and its change are
// written (text and HTML both format through here, so they show the same strings), and the
// subject line with the headline number.
import type { Summary } from '../report/summary.ts';
import { visible } from './format.ts';
import type { Figure, FigureKey } from './types.ts';

const COUNTS: [Exclude<FigureKey, 'smtp_refusal_share'>, string][] = [
  ['accepted', 'accepted'],
  ['rejected_at_smtp', 'rejected at SMTP time'],
  ['bounced_after_accept', 'bounced after accept'],
  ['ndrs', 'NDRs sent'],
  ['backscatter', 'backscatter NDRs'],
];

/**
 * Of the bad recipients, the share refused during SMTP: rejects / (rejects + failed
 * recipients after accept). null when there were neither, shown as "–".
 */
export function refusalShare(s: Summary): number | null {
  const after = Object.values(s.causes).reduce((a, n) => a + n, 0);
  const all = s.rejected_at_smtp + after;
  return all === 0 ? null : s.rejected_at_smtp / all;
}

export function figures(cur: Summary, prev: Summary): Figure[] {
  return [
    ...COUNTS.map(([key, label]): Figure => ({ key, label, kind: 'count', current: cur[key], previous: prev[key] })),
    { key: 'smtp_refusal_share', label: 'bad recipients refused at SMTP', kind: 'share', current: refusalShare(cur), previous: refusalShare(prev) },
  ];
}

export const DASH = '–';

export function formatValue(f: Figure, v: number | null): string {
  if (v === null) return DASH;
  return f.kind === 'share' ? `${(100 * v).toFixed(1)}%` : String(v);
}

const signed = (n: number, digits = 0): string => `${n > 0 ? '+' : n < 0 ? '-' : '±'}${Math.abs(n).toFixed(digits)}`;

/** Relative change of a count: "+40%", "new" when there was none before, "" when both are 0. */
export function percentChange(cur: number, prev: number): string {
  if (prev === 0) return cur === 0 ? '' : 'new';
  return `${signed(Math.round((100 * (cur - prev)) / prev))}%`;
}

/** "+12 (+40%)", "+5 (new)", "0"; for a share, the change in percentage points. */
export function formatChange(f: Figure): string {
  if (f.current === null || f.previous === null) return '';
  if (f.kind === 'share') {
    const pp = 100 * (f.current - f.previous);
    return Math.abs(pp) < 0.05 ? '0 pp' : `${signed(pp, 1)} pp`;
  }
  const delta = f.current - f.previous;
  if (delta === 0) return '0';
  return `${signed(delta)} (${percentChange(f.current, f.previous)})`;
}

/** Is the change bad news? More rejects at SMTP time, and a larger refused share, are good. */
export function worse(f: Figure): boolean {
  if (f.current === null || f.previous === null || f.current === f.previous) return false;
  const up = f.current > f.previous;
  return f.key === 'rejected_at_smtp' || f.key === 'smtp_refusal_share' || f.key === 'accepted' ? false : up;
}

export function better(f: Figure): boolean {
  if (f.current === null || f.previous === null || f.current === f.previous) return false;
  const up = f.current > f.previous;
  if (f.key === 'smtp_refusal_share') return up;
  if (f.key === 'rejected_at_smtp' || f.key === 'accepted') return false;
  return !up;
}

// The subject carries the headline number (backscatter NDRs and their change), so the
// inbox list alone tells whether the digest needs opening.
export interface SubjectInput {
  host: string;
  label: string;
  backscatter: number;
  previous: number;
  prefix?: string | undefined;
}

export function subjectLine(s: SubjectInput): string {
  // The host name comes from the logs: no control character may reach a header.
  const host = visible(s.host);
  const change = percentChange(s.backscatter, s.previous);
  let body: string;
  if (s.backscatter === 0) {
    // Calm when there is nothing to act on; say so when it just stopped.
    body = `${host}: no backscatter in ${s.label}${s.previous > 0 ? ` (was ${s.previous})` : ''}`;
  } else {
    const what = s.backscatter === 1 ? 'backscatter NDR' : 'backscatter NDRs';
    const tail = change === 'new' ? ' (none before)' : change === '' ? '' : ` (${change})`;
    body = `${host}: ${s.backscatter} ${what} in ${s.label}${tail}`;
  }
  const prefix = s.prefix?.trim();
  return prefix ? `${prefix} ${body}` : body;
}
