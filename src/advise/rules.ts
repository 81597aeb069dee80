// One rule per remedy (../shared/docs/remedies.md): its title, rationale and documentation.
// Which failed recipients a rule is about is said once, in SQL (ADVICE_RULE in
// src/store/sqlite/rollups.ts: a rule's id is its cause, but unknown recipients split into
// unknown_local and unknown_relay by their relay). The change text lives in changes.ts.
import type { Mta } from './types.ts';

export interface Rule {
  id: string;
  cause: string;
  title(mta: Mta): string;
  rationale: string;
  docs: Record<Mta, string[]>;
}

export const RULES: Rule[] = [
  {
    id: 'unknown_local',
    cause: 'unknown_recipient',
    title: () => 'Reject unknown local users at RCPT time',
    rationale:
      'Mail to users that do not exist here was accepted and then bounced. Most of it is spam with forged senders, so each bounce goes to an innocent third party. Checking the recipient during the SMTP conversation refuses it instead: the sending server, not this one, has to tell its user.',
    docs: { postfix: ['LOCAL_RECIPIENT_README', 'postconf(5): local_recipient_maps', 'BACKSCATTER_README'], exim: ['Exim spec: Access control lists, verify = recipient'] },
  },
  {
    id: 'unknown_relay',
    cause: 'unknown_recipient',
    title: () => 'Verify recipients of relay domains with the downstream mailbox server',
    rationale:
      'This server relays for domains whose mailboxes live on another server, and accepted mail for addresses that server does not have. The downstream refusal then turned into a bounce from here. Ask the downstream server during the SMTP conversation (or list the valid addresses here), so unknown addresses are refused before they are accepted.',
    docs: { postfix: ['ADDRESS_VERIFICATION_README', 'postconf(5): relay_recipient_maps', 'BACKSCATTER_README'], exim: ['Exim spec: Access control lists, Callout verification'] },
  },
  {
    id: 'mailbox_full',
    cause: 'mailbox_full',
    title: () => 'Check the quota at RCPT time',
    rationale:
      'Mail for full mailboxes was accepted and then bounced. A quota check during the SMTP conversation refuses it with 552 instead, and the sender learns of it from its own server.',
    docs: { postfix: ['SMTPD_POLICY_README', 'Dovecot quota-status'], exim: ['Exim spec: verify = recipient/quota (4.95+)'] },
  },
  {
    id: 'message_too_large',
    cause: 'message_too_large',
    title: () => 'Lower the message size limit to what the downstream accepts',
    rationale:
      'Messages were accepted here and then refused as too large by the next server. With a limit no larger than the smallest limit downstream, they are refused during the SMTP conversation (SIZE at MAIL FROM, or after DATA).',
    docs: { postfix: ['postconf(5): message_size_limit'], exim: ['Exim spec: message_size_limit'] },
  },
  {
    // Not a cause this server's config can refuse at RCPT time: remote servers refused its own
    // mail (or its NDRs) because it is on a blocklist. Never answered with content scanning.
    id: 'listed',
    cause: 'listed',
    title: () => 'This server is on a blocklist: stop the backscatter, then request delisting',
    rationale:
      'Remote servers refused mail from this server because a blocklist names it. The usual reason a mail server is listed is backscatter: lists such as ips.backscatterer.org list every server that sends bounces to forged senders, and spam traps catch the rest. Delisting does not last while the cause goes on, so stop the backscatter first (the other recommendations here, and `bouncewatch messages --backscatter`), then ask each list to remove this server\'s address. Scanning content would not help: the refusal is about this server, not the message.',
    docs: { postfix: ['BACKSCATTER_README', "each list's lookup and removal page"], exim: ['Exim spec: Access control lists, verify = recipient', "each list's lookup and removal page"] },
  },
  {
    id: 'content_rejected',
    cause: 'content_rejected',
    title: (mta) => (mta === 'postfix' ? 'Scan before queueing (milter), or discard instead of bouncing' : 'Scan in the DATA ACL instead of after queueing'),
    rationale:
      'Viruses or spam were found after the message was queued, and the verdict was a bounce to a sender that is almost always forged. Scanning before the message is accepted rejects it in the SMTP session; an after-queue filter should discard or quarantine, never bounce.',
    docs: { postfix: ['MILTER_README', 'SMTPD_PROXY_README', 'FILTER_README'], exim: ['Exim spec: Content scanning at ACL time'] },
  },
  {
    id: 'forward_rejected',
    cause: 'forward_rejected',
    title: () => 'Verify forwarded addresses, and drop dead forwards',
    rationale:
      'Mail to an alias or forward was accepted, and the next hop refused the address it forwards to. Verifying the final address at RCPT time refuses it in the session; forwards to dead addresses should be removed (and forwarding should use SRS).',
    docs: { postfix: ['ADDRESS_VERIFICATION_README', 'aliases(5)', 'virtual(5)'], exim: ['Exim spec: Callout verification', 'Exim spec: SRS'] },
  },
  {
    id: 'relay_rejected',
    cause: 'relay_rejected',
    title: () => 'Let the downstream server refuse during our SMTP session',
    rationale:
      'The downstream server refused recipients for a policy reason after this server had accepted them. Verifying the recipient with the downstream during the SMTP conversation passes its refusal on to the sender instead of turning it into a bounce.',
    docs: { postfix: ['ADDRESS_VERIFICATION_README'], exim: ['Exim spec: Callout verification'] },
  },
  {
    id: 'expired',
    cause: 'expired',
    title: () => 'Watch the downstream of expired mail, and verify recipients at RCPT time',
    rationale:
      'Mail stayed in the queue until it expired and was returned, usually because a downstream server of a relay domain was unreachable or kept deferring. Recipient verification answers 450 while the downstream is down, so the sender keeps the message instead of this server bouncing it days later.',
    docs: { postfix: ['postconf(5): maximal_queue_lifetime', 'ADDRESS_VERIFICATION_README'], exim: ['Exim spec: Retry configuration', 'Callout verification'] },
  },
];
