// The effective Postfix settings of one smtpd service: Postfix 3.7 defaults, then main.cf, then
// the service's master.cf `-o` overrides, with `$name` expansion. Remembers where each value
// came from, so a finding can say whether main.cf or the service is at fault.
import type { MainCf, Service } from './postfix-parse.ts';
import { serviceId } from './postfix-parse.ts';

/**
 * Defaults of the parameters the checks read (postconf -d of Postfix 3.7, compatibility level
 * 2 or later). Conditional defaults are written as their value at that level.
 */
export const DEFAULTS: Readonly<Record<string, string>> = {
  alias_maps: 'hash:/etc/aliases',
  local_recipient_maps: 'proxy:unix:passwd.byname $alias_maps',
  mydestination: '$myhostname, localhost.$mydomain, localhost',
  relay_domains: '',
  relay_recipient_maps: '',
  smtpd_reject_unlisted_recipient: 'yes',
  smtpd_recipient_restrictions: '',
  smtpd_relay_restrictions: 'permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination',
  smtpd_client_restrictions: '',
  smtpd_helo_restrictions: '',
  smtpd_sender_restrictions: '',
  smtpd_data_restrictions: '',
  smtpd_restriction_classes: '',
  unverified_recipient_reject_code: '450',
  unverified_recipient_defer_code: '450',
  unknown_local_recipient_reject_code: '550',
  unknown_relay_recipient_reject_code: '550',
  unknown_virtual_mailbox_reject_code: '550',
  unknown_virtual_alias_reject_code: '550',
  luser_relay: '',
  content_filter: '',
  smtpd_milters: '',
  smtpd_proxy_filter: '',
  receive_override_options: '',
  virtual_mailbox_domains: '$virtual_mailbox_maps',
  virtual_mailbox_maps: '',
  virtual_alias_domains: '$virtual_alias_maps',
  virtual_alias_maps: '$virtual_maps',
  virtual_maps: '',
  smtpd_soft_error_limit: '10',
  smtpd_hard_error_limit: '20',
  smtpd_error_sleep_time: '1s',
  smtpd_client_recipient_rate_limit: '0',
  smtpd_client_connection_rate_limit: '0',
  smtpd_client_message_rate_limit: '0',
};

/** Where a value came from: Postfix's default, main.cf, or a service's `-o` override. */
export type Source = 'default' | 'main.cf' | { service: string };

export interface Effective {
  /** `name/type` of the smtpd service, or null for main.cf alone. */
  service: Service | null;
  raw(name: string): string;
  source(name: string): Source;
  /** The value with `$name` references expanded (the way smtpd sees it). */
  get(name: string): string;
  /** get() split into list items (commas and whitespace). */
  list(name: string): string[];
  /** True when main.cf (or postconf -n) has postscreen in front of smtpd. */
  postscreen: boolean;
}

export const splitList = (v: string) => v.split(/[\s,]+/).filter(Boolean);

/** Expands $name, ${name}, $(name), ${name?text}, ${name:text}, and ${name?{a}:{b}}. */
export function expand(value: string, lookup: (name: string) => string, depth = 0): string {
  if (depth > 20 || !value.includes('$')) return value;
  const re = /\$(?:([A-Za-z0-9_]+)|\{([A-Za-z0-9_]+)(?:([?:])((?:\{[^{}]*\}:\{[^{}]*\})|[^{}]*))?\}|\(([A-Za-z0-9_]+)\))/g;
  return value.replace(re, (_m, plain: string | undefined, braced: string | undefined, op: string | undefined, arg: string | undefined, paren: string | undefined) => {
    const name = plain ?? braced ?? paren ?? '';
    const v = expand(lookup(name), lookup, depth + 1);
    if (op === undefined) return v;
    const both = /^\{([^{}]*)\}:\{([^{}]*)\}$/.exec(arg ?? '');
    const [yes, no] = both ? [both[1]!, both[2]!] : op === '?' ? [arg ?? '', ''] : ['', arg ?? ''];
    return expand(v.trim() !== '' ? yes : no, lookup, depth + 1);
  });
}

export function effective(main: MainCf, service: Service | null, postscreen = false): Effective {
  const overrides = new Map(service?.overrides ?? []);
  const raw = (name: string): string => overrides.get(name) ?? main.params.get(name)?.value ?? DEFAULTS[name] ?? '';
  const source = (name: string): Source => {
    if (service && overrides.has(name)) return { service: serviceId(service) };
    return main.params.has(name) ? 'main.cf' : 'default';
  };
  const get = (name: string) => expand(raw(name), raw).trim();
  return { service, raw, source, get, list: (name) => splitList(get(name)), postscreen };
}

/** A copy of `e` with some names set (or, with null, taken back to main.cf / the default). */
export function withChanges(main: MainCf, e: Effective, changes: Map<string, string | null>, inService: boolean): Effective {
  const m: MainCf = { params: new Map(main.params), bad: main.bad };
  const svc = e.service ? { ...e.service, overrides: e.service.overrides.map((o) => [...o] as [string, string]) } : null;
  for (const [name, value] of changes) {
    if (value === null) {
      if (svc) svc.overrides = svc.overrides.filter(([k]) => k !== name);
    } else if (inService && svc) {
      svc.overrides = [...svc.overrides.filter(([k]) => k !== name), [name, value]];
    } else {
      m.params.set(name, { value, line: 0 });
    }
  }
  return effective(m, svc, e.postscreen);
}

/** What a restriction list does with an untrusted client's mail to one of our domains. */
export type ListVerdict = 'reject' | 'verified' | 'unverified';

/**
 * Walks a restriction list for an untrusted, unauthenticated client sending to a domain of
 * ours: `permit_mynetworks` and friends do not match it, access maps, policy services and
 * restriction classes are taken to answer DUNNO (an OK in them is an exception, not the rule),
 * `reject_unverified_recipient` verifies, and `permit` / `permit_auth_destination` end the
 * list before anything after them.
 */
export function walkRestrictions(items: string[]): { verdict: ListVerdict; verifiedAt?: number } {
  let warnOnly = false;
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    const warned = warnOnly;
    warnOnly = it === 'warn_if_reject';
    if (it === 'reject_unverified_recipient' && !warned) return { verdict: 'verified', verifiedAt: i };
    if ((it === 'reject' || it === 'defer') && !warned) return { verdict: 'reject' };
    if (it === 'permit' || it === 'permit_auth_destination') return { verdict: 'unverified' };
    // The argument of check_*_access and friends (a map, a host) is a list item of its own.
    if (/^(check_|reject_rbl_client$|reject_rhsbl_|permit_dnswl_client$|permit_rhswl_client$|sleep$)/.test(it)) i++;
  }
  return { verdict: 'unverified' };
}

const RESTRICTION_LISTS = [
  'smtpd_client_restrictions',
  'smtpd_helo_restrictions',
  'smtpd_sender_restrictions',
  'smtpd_relay_restrictions',
  'smtpd_recipient_restrictions',
] as const;

/** The service refuses every untrusted client (a submission port, a filter's re-injection port). */
export function internalOnly(e: Effective): string | null {
  for (const name of RESTRICTION_LISTS) {
    if (walkRestrictions(e.list(name)).verdict === 'reject') return name;
  }
  return null;
}

/** reject_unverified_recipient is reached for untrusted clients in the relay or recipient list. */
export function verifiesRecipients(e: Effective): boolean {
  return (['smtpd_relay_restrictions', 'smtpd_recipient_restrictions'] as const).some(
    (n) => walkRestrictions(e.list(n)).verdict === 'verified',
  );
}

/** An explicit reject_unlisted_recipient before any permit, in the relay or recipient list. */
export function explicitUnlisted(e: Effective): boolean {
  return (['smtpd_relay_restrictions', 'smtpd_recipient_restrictions'] as const).some((n) => {
    const items = e.list(n);
    const end = items.findIndex((x) => x === 'permit' || x === 'permit_auth_destination');
    return items.slice(0, end < 0 ? items.length : end).includes('reject_unlisted_recipient');
  });
}

/** smtpd rejects unknown local users itself (maps, or explicit checks) or through probes. */
export function rejectsUnlisted(e: Effective): boolean {
  if (e.list('receive_override_options').includes('no_unknown_recipient_checks')) return verifiesRecipients(e);
  return e.get('smtpd_reject_unlisted_recipient').toLowerCase() !== 'no' || explicitUnlisted(e) || verifiesRecipients(e);
}

/** smtpd services that take mail from the network: `inet` smtpd, and `pass` smtpd behind postscreen. */
export function isNetworkSmtpd(s: Service): boolean {
  return s.command === 'smtpd' && (s.type === 'inet' || s.type === 'pass');
}

export function formatSource(s: Source): string {
  return typeof s === 'string' ? s : `master.cf service ${s.service}`;
}
