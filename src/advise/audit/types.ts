// What the config audit reports: one finding per risky setting of one MTA, the exact lines that
// fix it, and (with a database) the log evidence of the bounces that setting leads to.
import type { Cause } from '../../correlate/causes.ts';
import type { AuditEvidence } from '../../store/types.ts';
import type { Mta, Severity } from '../types.ts';

/** The causes a setting can lead to (`loop` and `other` have no config remedy). */
export type AuditCause = Exclude<Cause, 'loop' | 'other'> | 'dictionary_scan';

export type { AuditEvidence };

export interface Finding {
  /** `postfix.local_recipient_maps_empty`, `exim.rcpt_unverified_local`, ... */
  id: string;
  mta: Mta;
  severity: Severity;
  /** The parameter (Postfix) or ACL option / main option (Exim) at fault. */
  setting: string;
  /** `main.cf`, a master.cf service name (`127.0.0.11:smtp`), or an Exim ACL name. */
  where: string;
  /** smtpd services (`name/type`) or Exim listeners (`127.0.0.21`) it applies to; empty: all. */
  applies_to: string[];
  problem: string;
  /** Exact lines to change, under `#` headers naming the file and place (see fix.ts). */
  fix: string;
  docs: string[];
  cause: AuditCause;
  /** The recipient domains it is about, when the configuration lists them literally. */
  domains?: string[];
  /** Present when the audit ran with a database: this cause in the logs of the period. */
  evidence?: AuditEvidence;
}

export interface AuditResult {
  postfix: Finding[];
  exim: Finding[];
  /** What was read for each MTA (files, or the commands run); null when not audited. */
  sources: { postfix: string | null; exim: string | null };
  evidence_period: { from: string; to: string } | null;
}

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low'];
