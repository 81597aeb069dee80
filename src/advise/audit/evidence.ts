// The log evidence behind each audit finding, read from the store (store/sqlite/evidence.ts):
// this MTA's accepted mail of the period that failed with the finding's cause.
import type { Store } from '../../store/store.ts';
import type { Period } from '../../store/types.ts';
import type { Finding } from './types.ts';

export async function withEvidence(store: Store, p: Period, findings: Finding[]): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const f of findings) out.push({ ...f, evidence: await store.auditEvidence(p, f.mta, f.cause, f.domains) });
  return out;
}
