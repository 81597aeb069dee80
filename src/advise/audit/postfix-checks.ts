// The Postfix checks (../../../../shared/docs/remedies.md): each looks at one smtpd service's
// effective settings for a way to accept mail that is bounced later, and names the settings
// that fix it. Where the fault is a master.cf override, the fix is in that service.
import type { Severity } from '../types.ts';
import type { AuditCause } from './types.ts';
import { explicitUnlisted, rejectsUnlisted, verifiesRecipients, type Effective } from './postfix-config.ts';

export interface Verdict {
  severity: Severity;
  problem: string;
  /** The recipient domains concerned, when they are literal names (not maps). */
  domains?: string[];
}

/** Literal domain names only: a list with lookup tables or patterns gives none. */
export function literalDomains(items: string[]): string[] | undefined {
  return items.length > 0 && items.every((d) => /^[A-Za-z0-9.-]+$/.test(d)) ? items.map((d) => d.toLowerCase()) : undefined;
}

export interface PostfixCheck {
  id: string;
  cause: AuditCause;
  /** The parameters the finding is about; a service override of one of them puts the fault there. */
  keys: string[];
  /** Taking the service's overrides of `keys` back to main.cf is a fix when that passes. */
  revertable: boolean;
  docs: string[];
  test(e: Effective): Verdict | null;
  /** The settings that fix it, applied where the fault is; a comment line may precede them. */
  settings(e: Effective): { set: [string, string][]; note?: string };
}

const code = (e: Effective, name: string) => Number.parseInt(e.get(name), 10);
const hasLocalDomains = (e: Effective) => e.list('mydestination').length > 0;
/** Relay domains that are not also local: mydestination wins over relay_domains. */
const relayDomains = (e: Effective) => {
  const local = new Set(e.list('mydestination').map((d) => d.toLowerCase()));
  return e.list('relay_domains').filter((d) => !local.has(d.toLowerCase()));
};
const DEFAULT_LOCAL_MAPS = 'proxy:unix:passwd.byname $alias_maps';

/** The recipient restrictions with reject_unverified_recipient where it takes effect. */
function withVerification(e: Effective): string {
  const raw = e.raw('smtpd_recipient_restrictions');
  const items = (raw.includes('$') ? e.get('smtpd_recipient_restrictions') : raw).split(/[\s,]+/).filter(Boolean);
  if (items.length === 0) return 'permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination, reject_unverified_recipient';
  const unauth = items.findIndex((x) => x === 'reject_unauth_destination' || x === 'defer_unauth_destination');
  const permit = items.findIndex((x) => x === 'permit' || x === 'permit_auth_destination');
  const at = unauth >= 0 && (permit < 0 || unauth < permit) ? unauth + 1 : permit >= 0 ? permit : items.length;
  items.splice(at, 0, 'reject_unverified_recipient');
  return items.join(', ');
}

/** `[127.0.0.1]:10024` or `127.0.0.1:10024` as a smtpd_proxy_filter endpoint, when it is one. */
export function proxyEndpoint(contentFilter: string): string | null {
  const colon = contentFilter.indexOf(':');
  if (colon < 0) return null;
  const m = /^(?:inet:)?\[?([A-Za-z0-9.\-:]+?)\]?:(\d+)$/.exec(contentFilter.slice(colon + 1).trim());
  return m ? `${m[1]}:${m[2]}` : null;
}

export const POSTFIX_CHECKS: PostfixCheck[] = [
  {
    id: 'postfix.local_recipient_maps_empty',
    cause: 'unknown_recipient',
    keys: ['local_recipient_maps'],
    revertable: true,
    docs: ['postconf(5): local_recipient_maps', 'LOCAL_RECIPIENT_README', 'BACKSCATTER_README'],
    test: (e) => {
      if (!hasLocalDomains(e) || e.get('local_recipient_maps') !== '') return null;
      const probes = verifiesRecipients(e);
      return {
        severity: probes ? 'medium' : 'high',
        domains: literalDomains(e.list('mydestination')),
        problem:
          'local_recipient_maps is set to nothing, so smtpd accepts mail for any user of the local domains ' +
          `(${e.list('mydestination').join(', ')}); local(8) then bounces mail for users that do not exist, mostly to forged senders.` +
          (probes ? ' reject_unverified_recipient probes catch them today, at the cost of a probe per recipient.' : ''),
      };
    },
    settings: () => ({ set: [['local_recipient_maps', DEFAULT_LOCAL_MAPS]] }),
  },
  {
    id: 'postfix.unknown_recipient_checks_off',
    cause: 'unknown_recipient',
    keys: ['receive_override_options'],
    revertable: true,
    docs: ['postconf(5): receive_override_options', 'BACKSCATTER_README'],
    test: (e) =>
      e.list('receive_override_options').includes('no_unknown_recipient_checks') && !verifiesRecipients(e)
        ? { severity: 'high', problem: 'receive_override_options has no_unknown_recipient_checks on a service that takes mail from untrusted clients: it accepts unknown users of every domain and bounces them later. That option belongs on a content filter\'s re-injection port only.' }
        : null,
    settings: (e) => ({ set: [['receive_override_options', e.list('receive_override_options').filter((x) => x !== 'no_unknown_recipient_checks').join(', ')]] }),
  },
  {
    id: 'postfix.reject_unlisted_recipient_off',
    cause: 'unknown_recipient',
    keys: ['smtpd_reject_unlisted_recipient'],
    revertable: true,
    docs: ['postconf(5): smtpd_reject_unlisted_recipient', 'BACKSCATTER_README'],
    test: (e) =>
      e.get('smtpd_reject_unlisted_recipient').toLowerCase() === 'no' && !explicitUnlisted(e) && !verifiesRecipients(e)
        ? { severity: 'high', problem: 'smtpd_reject_unlisted_recipient = no, and no reject_unlisted_recipient or reject_unverified_recipient in the restrictions: unknown users of local, virtual and relay domains are accepted, then bounced.' }
        : null,
    settings: () => ({ set: [['smtpd_reject_unlisted_recipient', 'yes']] }),
  },
  {
    id: 'postfix.luser_relay',
    cause: 'unknown_recipient',
    keys: ['luser_relay'],
    revertable: true,
    docs: ['postconf(5): luser_relay', 'LOCAL_RECIPIENT_README'],
    test: (e) =>
      e.get('luser_relay') !== ''
        ? { severity: 'medium', problem: `luser_relay = ${e.raw('luser_relay')} is a catch-all: mail for unknown local users goes there instead of being refused, and bounces when that address refuses it. It works only with local_recipient_maps empty, which accepts every local user at SMTP time.` }
        : null,
    settings: () => ({ set: [['luser_relay', '']] }),
  },
  {
    id: 'postfix.relay_recipients_unverified',
    cause: 'unknown_recipient',
    keys: ['relay_recipient_maps', 'smtpd_recipient_restrictions', 'smtpd_relay_restrictions'],
    revertable: true,
    docs: ['postconf(5): relay_recipient_maps', 'ADDRESS_VERIFICATION_README', 'BACKSCATTER_README'],
    test: (e) => {
      const domains = relayDomains(e);
      if (domains.length === 0 || (e.get('relay_recipient_maps') !== '' && rejectsUnlisted(e)) || verifiesRecipients(e)) return null;
      return {
        severity: 'high',
        domains: literalDomains(domains),
        problem:
          `This server relays for ${domains.join(', ')} with relay_recipient_maps empty ("accept everyone") and no reject_unverified_recipient reached in ` +
          'smtpd_recipient_restrictions or smtpd_relay_restrictions: mail for users the downstream server does not have is accepted here and bounced when it refuses them. ' +
          'Listing the valid addresses (relay_recipient_maps = hash:/etc/postfix/relay_recipients) works too.',
      };
    },
    settings: (e) => {
      const set: [string, string][] = [['smtpd_recipient_restrictions', withVerification(e)]];
      if (code(e, 'unverified_recipient_reject_code') < 500) set.push(['unverified_recipient_reject_code', '550']);
      return { set };
    },
  },
  {
    id: 'postfix.unverified_recipient_defer_code_2xx',
    cause: 'unknown_recipient',
    keys: ['unverified_recipient_defer_code'],
    revertable: true,
    docs: ['postconf(5): unverified_recipient_defer_code', 'ADDRESS_VERIFICATION_README'],
    test: (e) => {
      const c = code(e, 'unverified_recipient_defer_code');
      if (!(c >= 200 && c < 300)) return null;
      const used = verifiesRecipients(e);
      return {
        severity: used ? 'critical' : 'medium',
        problem:
          `unverified_recipient_defer_code = ${c}: while an address probe is pending, smtpd accepts the recipient, so every address it has not verified yet is accepted and bounced later. It turns the MX into a backscatter source.` +
          (used ? '' : ' reject_unverified_recipient is not in use on this service yet; it would be the moment it is.'),
      };
    },
    settings: () => ({ set: [['unverified_recipient_defer_code', '450']] }),
  },
  {
    id: 'postfix.unverified_recipient_reject_code_4xx',
    cause: 'unknown_recipient',
    keys: ['unverified_recipient_reject_code'],
    revertable: true,
    docs: ['postconf(5): unverified_recipient_reject_code', 'ADDRESS_VERIFICATION_README'],
    test: (e) => {
      const c = code(e, 'unverified_recipient_reject_code');
      if (!verifiesRecipients(e) || !(c >= 400 && c < 500)) return null;
      return { severity: 'low', problem: `unverified_recipient_reject_code = ${c} (the default): an address the probe found undeliverable gets a temporary refusal, so the sender's server retries for days before it tells its user. No bounce comes from here, but 550 ends it at once.` };
    },
    settings: () => ({ set: [['unverified_recipient_reject_code', '550']] }),
  },
  {
    id: 'postfix.unknown_local_recipient_reject_code_4xx',
    cause: 'unknown_recipient',
    keys: ['unknown_local_recipient_reject_code'],
    revertable: true,
    docs: ['postconf(5): unknown_local_recipient_reject_code'],
    test: (e) => {
      const c = code(e, 'unknown_local_recipient_reject_code');
      if (!(c >= 400 && c < 500) || e.get('local_recipient_maps') === '') return null;
      return { severity: 'low', problem: `unknown_local_recipient_reject_code = ${c}: unknown local users get a temporary refusal, and senders retry for days instead of learning of the typo.` };
    },
    settings: () => ({ set: [['unknown_local_recipient_reject_code', '550']] }),
  },
  {
    id: 'postfix.after_queue_content_filter',
    cause: 'content_rejected',
    keys: ['content_filter', 'smtpd_milters', 'smtpd_proxy_filter'],
    revertable: false,
    docs: ['SMTPD_PROXY_README', 'MILTER_README', 'FILTER_README', 'postconf(5): content_filter'],
    test: (e) => {
      if (e.get('content_filter') === '' || e.get('smtpd_milters') !== '' || e.get('smtpd_proxy_filter') !== '') return null;
      return {
        severity: 'medium',
        problem:
          `content_filter = ${e.raw('content_filter')} scans after the message is queued, and no smtpd_milters or smtpd_proxy_filter scans before: ` +
          'a virus or spam verdict can then only bounce (to a sender that is almost always forged), discard or quarantine. Scan during the SMTP session instead, ' +
          'and have the filter reject there (amavisd-new as a before-queue proxy: $final_virus_destiny = D_REJECT). If the after-queue filter stays, its verdicts must discard or quarantine, never bounce ($final_virus_destiny = D_DISCARD).',
      };
    },
    settings: (e) => {
      const proxy = proxyEndpoint(e.get('content_filter'));
      if (proxy) return { set: [['content_filter', ''], ['smtpd_proxy_filter', proxy]] };
      return {
        note: '# PORT is the milter port of your scanner (clamav-milter, rspamd, amavisd-milter)',
        set: [['smtpd_milters', 'inet:127.0.0.1:PORT'], ['milter_default_action', 'tempfail']],
      };
    },
  },
  {
    id: 'postfix.virtual_mailbox_maps_missing',
    cause: 'unknown_recipient',
    keys: ['virtual_mailbox_maps'],
    revertable: true,
    docs: ['postconf(5): virtual_mailbox_maps', 'VIRTUAL_README'],
    test: (e) =>
      e.list('virtual_mailbox_domains').length > 0 && e.get('virtual_mailbox_maps') === ''
        ? { severity: 'high', domains: literalDomains(e.list('virtual_mailbox_domains')), problem: `virtual_mailbox_domains (${e.list('virtual_mailbox_domains').join(', ')}) without virtual_mailbox_maps: smtpd cannot tell which mailboxes exist, accepts every address of those domains, and virtual(8) bounces the unknown ones.` }
        : null,
    settings: () => ({ note: '# list every mailbox (user@domain  path) in /etc/postfix/vmailbox, then postmap it', set: [['virtual_mailbox_maps', 'hash:/etc/postfix/vmailbox']] }),
  },
  {
    id: 'postfix.virtual_alias_domains_without_maps',
    cause: 'unknown_recipient',
    keys: ['virtual_alias_maps', 'virtual_alias_domains'],
    revertable: true,
    docs: ['postconf(5): virtual_alias_domains', 'VIRTUAL_README'],
    test: (e) =>
      /\S/.test(e.raw('virtual_alias_domains')) && !e.raw('virtual_alias_domains').includes('$virtual_alias_maps') &&
      e.list('virtual_alias_domains').length > 0 && e.get('virtual_alias_maps') === ''
        ? { severity: 'high', domains: literalDomains(e.list('virtual_alias_domains')), problem: `virtual_alias_domains (${e.list('virtual_alias_domains').join(', ')}) without virtual_alias_maps: no address of those domains can be resolved, yet smtpd cannot refuse any of them, so they are accepted and bounced.` }
        : null,
    settings: () => ({ note: '# list every address of those domains in /etc/postfix/virtual, then postmap it', set: [['virtual_alias_maps', 'hash:/etc/postfix/virtual']] }),
  },
  {
    id: 'postfix.dictionary_scan_guard',
    cause: 'dictionary_scan',
    keys: ['smtpd_soft_error_limit', 'smtpd_hard_error_limit', 'smtpd_error_sleep_time'],
    revertable: true,
    docs: ['postconf(5): smtpd_soft_error_limit', 'postconf(5): smtpd_client_recipient_rate_limit', 'anvil(8)', 'POSTSCREEN_README'],
    test: (e) => {
      if (!rejectsUnlisted(e) && !verifiesRecipients(e)) return null;
      const soft = code(e, 'smtpd_soft_error_limit');
      const hard = code(e, 'smtpd_hard_error_limit');
      const sleep = e.get('smtpd_error_sleep_time');
      const weak = hard > 20 || soft > hard || /^0+[smhdw]?$/.test(sleep);
      const rate = ['smtpd_client_recipient_rate_limit', 'smtpd_client_connection_rate_limit'].some((n) => code(e, n) > 0);
      if (!weak || rate) return null;
      return {
        severity: 'low',
        problem:
          `Unknown users are refused at RCPT time, which tells a scanner which addresses exist, and the error limits that slow it down are relaxed (smtpd_soft_error_limit = ${soft}, ` +
          `smtpd_hard_error_limit = ${hard}, smtpd_error_sleep_time = ${sleep}) with no client rate limit. Keep refusing at RCPT time; make probing slow instead.`,
      };
    },
    settings: () => ({ set: [['smtpd_soft_error_limit', '10'], ['smtpd_hard_error_limit', '20'], ['smtpd_error_sleep_time', '1s'], ['smtpd_client_recipient_rate_limit', '100']] }),
  },
];

