// What a recommendation is: one config change for one MTA, with the evidence from the logs
// that calls for it and the NDRs it would have prevented. Shared by advise, the dashboard,
// the digest and the config audit.
import type { Cause } from '../correlate/causes.ts';
import type { Example } from '../store/types.ts';

export type Mta = 'postfix' | 'exim';
export type Severity = 'critical' | 'high' | 'medium' | 'low';

/** One message behind a recommendation, as the store reads it. */
export type { Example } from '../store/types.ts';

export interface Evidence {
  /** Messages in the period that this rule is about. */
  messages: number;
  /** NDRs those messages caused. */
  ndrs: number;
  /** Of those, backscatter (remote origin, forged-looking sender). */
  backscatter: number;
  examples: Example[];
  /** What narrows it: domains, recipients, transports, relays, aliases, clients involved. */
  domains?: string[];
  recipients?: string[];
  relays?: string[];
  aliases?: string[];
  clients?: string[];
  limit?: string;
  /** For a listing: the blocklists that refused this server's mail, "name (count)", most first. */
  lists?: string[];
}

export interface Recommendation {
  /** `mta.rule`: unique with the host. */
  id: string;
  mta: Mta;
  /** The MTA host whose config this is for (one config per host). */
  host: string;
  cause: Cause | 'dictionary_scan';
  title: string;
  severity: Severity;
  /** The exact main.cf / master.cf lines, or Exim ACL lines, to add or alter. */
  change: string;
  rationale: string;
  evidence: Evidence;
  /** NDRs in the period this change would have avoided. */
  prevented: number;
  /** Documentation to read (Postfix README or parameter names, Exim spec chapters). */
  docs: string[];
  /** Query string for /api/messages listing the messages behind it. */
  filter: string;
}
