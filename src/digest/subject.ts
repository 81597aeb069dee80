// The subject line carries the headline number (backscatter NDRs in the period and its
// change), so the inbox list alone tells whether the digest needs opening.
import { percentChange } from './figures.ts';

export interface SubjectInput {
  host: string;
  label: string;
  backscatter: number;
  previous: number;
  prefix?: string | undefined;
}

export function subjectLine(s: SubjectInput): string {
  const change = percentChange(s.backscatter, s.previous);
  let body: string;
  if (s.backscatter === 0) {
    // Calm when there is nothing to act on; say so when it just stopped.
    body = `${s.host}: no backscatter in ${s.label}${s.previous > 0 ? ` (was ${s.previous})` : ''}`;
  } else {
    const what = s.backscatter === 1 ? 'backscatter NDR' : 'backscatter NDRs';
    const tail = change === 'new' ? ' (none before)' : change === '' ? '' : ` (${change})`;
    body = `${s.host}: ${s.backscatter} ${what} in ${s.label}${tail}`;
  }
  const prefix = s.prefix?.trim();
  return prefix ? `${prefix} ${body}` : body;
}
