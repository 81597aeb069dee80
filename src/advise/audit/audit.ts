// The config audit as one call: audits the Postfix and/or Exim configuration text it is given,
// adds the log evidence when a database is open, and ranks findings by severity, then by the
// NDRs of their cause in the period.
import type { Store } from '../../store/store.ts';
import type { Period } from '../../store/types.ts';
import { auditExim } from './exim-audit.ts';
import { withEvidence } from './evidence.ts';
import { auditPostfix } from './postfix-audit.ts';
import { SEVERITY_ORDER, type AuditResult, type Finding } from './types.ts';

export interface AuditInput {
  postfix?: { main: string; master?: string; source: string };
  exim?: { text: string; source: string; readFile?: (path: string) => string | null };
  evidence?: { store: Store; period: Period };
}

export interface AuditOutput {
  result: AuditResult;
  /** What the audit could not look at, or skipped on purpose. */
  notes: string[];
}

function rank(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
      (b.evidence?.ndrs ?? 0) - (a.evidence?.ndrs ?? 0) ||
      a.id.localeCompare(b.id) ||
      a.where.localeCompare(b.where),
  );
}

/** An input that cannot be read as configuration names itself in the error. */
function named<T>(source: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`, { cause: e });
  }
}

export async function audit(input: AuditInput): Promise<AuditOutput> {
  const notes: string[] = [];
  let postfix: Finding[] = [];
  let exim: Finding[] = [];
  if (input.postfix) {
    const a = named(input.postfix.source, () => auditPostfix(input.postfix!.main, input.postfix!.master));
    postfix = a.findings;
    notes.push(...a.notes.map((n) => `postfix: ${n}`));
  }
  if (input.exim) {
    const a = named(input.exim.source, () => auditExim(input.exim!.text, { readFile: input.exim!.readFile }));
    exim = a.findings;
    notes.push(...a.notes.map((n) => `exim: ${n}`));
  }
  const ev = input.evidence;
  if (ev) {
    postfix = await withEvidence(ev.store, ev.period, postfix);
    exim = await withEvidence(ev.store, ev.period, exim);
  }
  return {
    result: {
      postfix: rank(postfix),
      exim: rank(exim),
      sources: { postfix: input.postfix?.source ?? null, exim: input.exim?.source ?? null },
      evidence_period: ev ? { from: new Date(ev.period.from).toISOString(), to: new Date(ev.period.to).toISOString() } : null,
    },
    notes,
  };
}
