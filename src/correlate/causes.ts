// The cause table: one cause per failed recipient, from the enhanced status code (RFC 3463)
// and the reply text. Rows are tried in order; the first match wins. The README prints this
// table, so keep each row's `why` true.
import { LISTING } from './blocklists.ts';

export type Cause =
  | 'unknown_recipient'
  | 'mailbox_full'
  | 'message_too_large'
  | 'listed'
  | 'content_rejected'
  | 'forward_rejected'
  | 'relay_rejected'
  | 'expired'
  | 'loop'
  | 'other';

export const CAUSES: readonly Cause[] = [
  'unknown_recipient', 'mailbox_full', 'message_too_large', 'listed', 'content_rejected', 'forward_rejected',
  'relay_rejected', 'expired', 'loop', 'other',
];

export interface Failure {
  status: string;
  dsn?: string;
  reason: string;
  /** The address before an alias or forward rewrote it, when it differs. */
  origAddress?: string;
  /** Delivery agent: local, virtual, smtp, ... */
  agent?: string;
}

interface Row {
  cause: Cause;
  why: string;
  dsn?: RegExp;
  text?: RegExp;
}

export const TABLE: readonly Row[] = [
  { cause: 'expired', why: 'queue lifetime ran out (status=expired, Exim retry time exceeded)', text: /\b(?:message expired|retry timeout exceeded|retry time not reached for any host after a long failure period|expired)\b/i },
  { cause: 'loop', why: 'dsn 5.4.6 or a loop in the text', dsn: /^5\.4\.6$/, text: /mail forwarding loop|loops back to myself|too many "?Received"? headers|Too many hops/i },
  { cause: 'mailbox_full', why: 'dsn x.2.2 or quota / mailbox full texts', dsn: /^[45]\.2\.2$/, text: /quota|mailbox (?:is )?full|over ?quota|insufficient (?:system )?storage|mailbox size limit/i },
  { cause: 'message_too_large', why: 'dsn x.3.4 or x.2.3 or size texts', dsn: /^[45]\.(?:3\.4|2\.3)$/, text: /too (?:large|big)|size limit|exceeds? (?:the )?(?:maximum |message )?size|message size exceeds/i },
  // Before content and policy: "blocked using zen.spamhaus.org" holds "spam" and "blocked", but
  // the remedy is delisting (and stopping what got us listed), not scanning. listName() in
  // blocklists.ts names the list.
  { cause: 'listed', why: 'the refusal names a blocklist: "blocked using ZONE", "listed in/at ZONE", "in an RBL", DNSBL, black/block list, or a known list (Spamhaus, SpamCop, Barracuda, backscatterer.org, SORBS, UCEPROTECT)', text: LISTING },
  { cause: 'content_rejected', why: 'virus, spam, banned content, or dsn x.6.x / x.7.1 with a content text', text: /virus|malware|infected|spam|banned|content rejected|message content|EICAR|blocked for policy reasons \(content\)|cancelled by system filter/i },
  { cause: 'unknown_recipient', why: 'dsn 5.1.1 / 5.1.0 / 5.1.6 / 5.1.10 or unknown-user texts (not the generic "Recipient address rejected:" prefix)', dsn: /^5\.1\.(?:0|1|6|10)$/, text: /user unknown|unknown user|no such (?:user|mailbox|recipient)|unrouteable address|mailbox unavailable|does not exist|invalid (?:recipient|mailbox)|unknown (?:local )?(?:part|recipient)|not a valid mailbox|account (?:is )?(?:disabled|inactive)|user not found|recipient not found/i },
  { cause: 'relay_rejected', why: 'dsn x.7.x (policy) or relay / access denied texts', dsn: /^5\.7\.\d+$/, text: /relay(?:ing)? (?:access )?denied|not permitted|access denied|blocked|policy|rejected/i },
];

/** Cause of one failed recipient. */
export function classify(f: Failure): Cause {
  if (f.status === 'expired') return 'expired';
  // Text first across all rows: a 5.7.1 that says "virus" is content, not policy.
  const cause =
    TABLE.find((row) => row.text?.test(f.reason))?.cause ??
    TABLE.find((row) => row.dsn?.test(f.dsn ?? ''))?.cause ??
    'other';
  // Reached through an alias or forward and refused by the next hop: the remedy is about the
  // forward (verify it, or drop it), whatever the next hop's reason was.
  // A listing is about this server, not the address: verifying the forward would not help.
  const forwarded = f.origAddress !== undefined && f.agent !== 'local' && f.agent !== 'virtual';
  if (forwarded && cause !== 'expired' && cause !== 'loop' && cause !== 'listed') return 'forward_rejected';
  return cause;
}
