// The configuration text of each remedy, per MTA, from ../shared/docs/remedies.md. Postfix
// changes are main.cf lines (checked by `postconf -c` in the tests); Exim changes are ACL
// statements for acl_smtp_rcpt / acl_smtp_data, or main-section options.
import type { Mta } from './types.ts';

export interface ChangeContext {
  relays: string[];
  limit?: number;
  aliases: string[];
  /** The blocklists that refused this server's mail, most first, with counts. */
  lists?: string[];
}

type Change = (c: ChangeContext) => string;

// One recipient-restrictions line for every recommendation that touches it, so applying
// several never undoes one another.
const RESTRICTIONS = 'permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination, reject_unverified_recipient';
const VERIFY_PF = `smtpd_recipient_restrictions = ${RESTRICTIONS}
unverified_recipient_reject_code = 550
address_verify_map = btree:$data_directory/verify_cache
# and remove any "-o smtpd_recipient_restrictions=" override of smtpd in master.cf`;

function delisting(c: ChangeContext, where: string): string {
  return `# nothing to set in ${where}: this server is listed${c.lists?.length ? ` by ${c.lists.join(', ')}` : ''}
# 1. stop what got it listed: apply the backscatter recommendations first
#    (bouncewatch messages --backscatter lists the NDRs sent to forged senders)
# 2. then request delisting of this server's address on each list's lookup page`;
}

export const CHANGES: Record<string, Record<Mta, Change>> = {
  unknown_local: {
    postfix: () => `local_recipient_maps = proxy:unix:passwd.byname $alias_maps
smtpd_reject_unlisted_recipient = yes
unknown_local_recipient_reject_code = 550
# and remove any "-o local_recipient_maps=" override of smtpd in master.cf`,
    exim: () => `# acl_smtp_rcpt, before the "accept domains = +local_domains" statement:
deny    message = unknown user
        domains = +local_domains
        !verify = recipient`,
  },
  unknown_relay: {
    postfix: (c) => `${VERIFY_PF}
# verification asks the downstream server${c.relays.length ? ` (${c.relays.join(', ')})` : ''} at RCPT time;
# or list the valid addresses: relay_recipient_maps = hash:/etc/postfix/relay_recipients`,
    exim: (c) => `# acl_smtp_rcpt, before the "accept domains = +relay_to_domains" statement:
deny    message = unknown user
        domains = +relay_to_domains
        !verify = recipient/callout=10s,defer_ok
# the callout asks the downstream server${c.relays.length ? ` (${c.relays.join(', ')})` : ''} at RCPT time`,
  },
  mailbox_full: {
    postfix: () => `smtpd_recipient_restrictions = ${RESTRICTIONS}, check_policy_service inet:127.0.0.1:12340
# with Dovecot's quota-status service listening there (quota_status_overquota = "552 5.2.2 Mailbox is full")`,
    exim: () => `# acl_smtp_rcpt (Exim 4.95+, appendfile quotas):
deny    message = mailbox is full
        domains = +local_domains
        !verify = recipient/quota`,
  },
  message_too_large: {
    postfix: (c) => `message_size_limit = ${c.limit ?? 10240000}
# no larger than the smallest limit downstream${c.relays.length ? ` (${c.relays.join(', ')})` : ''}; mailbox_size_limit at least as big`,
    exim: (c) => `# main section:
message_size_limit = ${c.limit ?? 10240000}`,
  },
  // No setting: what the postmaster does, in the order that makes delisting last.
  listed: {
    postfix: (c) => delisting(c, 'main.cf'),
    exim: (c) => delisting(c, 'the Exim configuration'),
  },
  content_rejected: {
    postfix: () => `smtpd_milters = inet:127.0.0.1:11332
milter_default_action = tempfail
# scan before queueing; if an after-queue content_filter stays, make its verdict discard or
# quarantine, never bounce (amavis: $final_virus_destiny = D_DISCARD, same for spam and banned)`,
    exim: () => `# acl_smtp_data (with av_scanner set in the main section):
deny    message = This message contains malware ($malware_name)
        malware = */defer_ok`,
  },
  forward_rejected: {
    postfix: (c) => `${VERIFY_PF}
# address probes follow virtual aliases (not local aliases); remove dead forwards${c.aliases.length ? `: ${c.aliases.join(', ')}` : ''}`,
    exim: (c) => `# acl_smtp_rcpt: verify redirected addresses with the next hop at RCPT time
deny    message = unknown user
        domains = +local_domains
        !verify = recipient/callout=10s,defer_ok
# and remove dead forwards${c.aliases.length ? `: ${c.aliases.join(', ')}` : ''}`,
  },
  relay_rejected: {
    postfix: (c) => `${VERIFY_PF}
# the downstream${c.relays.length ? ` (${c.relays.join(', ')})` : ''} refuses by policy: let it answer during our SMTP session`,
    exim: (c) => `# acl_smtp_rcpt:
deny    message = refused by the mailbox server
        domains = +relay_to_domains
        !verify = recipient/callout=10s,defer_ok
# the downstream${c.relays.length ? ` (${c.relays.join(', ')})` : ''} refuses by policy`,
  },
  expired: {
    postfix: (c) => `${VERIFY_PF}
# a dead downstream${c.relays.length ? ` (${c.relays.join(', ')})` : ''} then answers 450 at RCPT time instead of expiring mail days later`,
    exim: (c) => `# acl_smtp_rcpt (no defer_ok: while the downstream is down, the callout defers and this answers 451):
deny    message = refused by the mailbox server
        domains = +relay_to_domains
        !verify = recipient/callout=10s
# and watch the downstream${c.relays.length ? ` (${c.relays.join(', ')})` : ''}; shorten its retry rule`,
  },
  dictionary_scan: {
    postfix: () => `smtpd_soft_error_limit = 10
smtpd_hard_error_limit = 20
smtpd_error_sleep_time = 1s
smtpd_client_recipient_rate_limit = 100
anvil_rate_time_unit = 60s`,
    exim: () => `# acl_smtp_rcpt, first statement:
drop    message   = too many unknown recipients
        condition = \${if > {$rcpt_fail_count}{3}}
        delay     = 5s`,
  },
};
