// Writes a throwaway Postfix instance into a temp dir: main.cf, master.cf (smtpd listeners:
// open, strict twin, content-filtered, pipe-filtered, before-queue proxy-filtered, filtered by
// a filter that answers in its own words; plus the re-injection ports) and the maps.
// Everything is routed to loopback peers; an unrouted domain hits the error transport.
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { workDirs } from '../lib/processes.ts';
import { LISTEN, LOCAL_DOMAIN, NXDOMAIN, PEERS, RELAY_DOMAIN, HOSTNAME, SMALL_DOMAIN, VIRUS_MARKER, VIRUS_NAME } from './topology.ts';

export interface PostfixDirs {
  root: string;
  config: string;
  queue: string;
  data: string;
  mbox: string;
  log: string;
}

export type Params = [string, string][];
export type ListenerName = 'open' | 'strict' | 'filtered' | 'simplefilter' | 'proxy' | 'ownwords';
export const LISTENER_NAMES: readonly ListenerName[] = ['open', 'strict', 'filtered', 'simplefilter', 'proxy', 'ownwords'];

const bracket = (p: { ip: string; port: number }): string => `[${p.ip}]:${p.port}`;

export function mainParams(d: PostfixDirs): Params {
  return [
    ['compatibility_level', '3.6'],
    ['queue_directory', d.queue],
    ['data_directory', d.data],
    ['mail_owner', 'postfix'],
    ['setgid_group', 'postdrop'],
    ['myhostname', HOSTNAME],
    ['mydomain', LOCAL_DOMAIN],
    ['myorigin', '$myhostname'],
    ['mydestination', `$myhostname, localhost, ${LOCAL_DOMAIN}`],
    ['relay_domains', `${RELAY_DOMAIN}, ${SMALL_DOMAIN}`],
    // Only 127.0.0.1 is internal: clients on 127.1.x.y are the "remote" senders.
    ['mynetworks', '127.0.0.1/32'],
    ['inet_interfaces', 'loopback-only'],
    ['inet_protocols', 'ipv4'],
    ['smtpd_banner', '$myhostname ESMTP'],
    // No DNS at all: peers are IP literals in transport_maps, everything else is an error.
    ['smtp_dns_support_level', 'disabled'],
    ['smtp_host_lookup', 'native'],
    ['smtpd_peername_lookup', 'no'],
    ['transport_maps', `texthash:${d.config}/transport`],
    ['default_transport', 'error:5.4.4 Host or domain name not found (bw-e2e: domain not routed)'],
    ['relayhost', ''],
    ['alias_maps', `hash:${d.config}/aliases`],
    ['alias_database', `hash:${d.config}/aliases`],
    ['local_recipient_maps', `proxy:unix:passwd.byname $alias_maps texthash:${d.config}/mailbox_users`],
    ['relay_recipient_maps', ''],
    // The strict policy is the main.cf default; the open listeners override it in master.cf.
    ['smtpd_relay_restrictions', 'permit_mynetworks, reject_unauth_destination'],
    ['smtpd_recipient_restrictions', 'permit_mynetworks, reject_unauth_destination, reject_unlisted_recipient, reject_unverified_recipient'],
    ['unverified_recipient_reject_code', '550'],
    // smtpd waits for the probe's verdict instead of answering 450 "verification in progress";
    // polling every second (not 3 s) keeps the strict twin's sessions short.
    ['address_verify_poll_count', '15'],
    ['address_verify_poll_delay', '1s'],
    ['notify_classes', 'resource, software, 2bounce'],
    // Short retries so greylisting, NDR retries and expiry all happen within seconds.
    ['queue_run_delay', '3s'],
    ['minimal_backoff_time', '3s'],
    ['maximal_backoff_time', '6s'],
    ['maximal_queue_lifetime', '20s'],
    ['bounce_queue_lifetime', '20s'],
    // A message still deferred 2 s after arrival warns its sender once (scenario notifications;
    // lib/harness.ts, settlesNotices, takes the warnings other scenarios get from what the
    // senders' MX received).
    ['delay_warning_time', '2s'],
    ['biff', 'no'],
    ['smtputf8_enable', 'no'],
    ['append_dot_mydomain', 'no'],
    ['allow_mail_to_files', 'alias'],
    ['message_size_limit', '10240000'],
  ];
}

/** The -o overrides of each public listener, as written into master.cf. */
export const OPEN_OVERRIDES: Params = [
  ['local_recipient_maps', ''],
  ['relay_recipient_maps', ''],
  ['smtpd_recipient_restrictions', 'permit_mynetworks,reject_unauth_destination'],
];

export function listenerOverrides(name: ListenerName): Params {
  switch (name) {
    case 'open':
      return OPEN_OVERRIDES;
    case 'strict':
      // Its own cleanup service carries the body_checks REJECT (the DATA-stage reject).
      return [['cleanup_service_name', 'cleanup-strict']];
    case 'filtered':
      return [
        ...OPEN_OVERRIDES,
        ['content_filter', `amavisfeed:${bracket(PEERS.amavis)}`],
        ['receive_override_options', 'no_address_mappings'],
      ];
    case 'simplefilter':
      // FILTER_README "simple content filter": every message goes to the pipe(8) script.
      return [...OPEN_OVERRIDES, ['content_filter', 'simplefilter:dummy']];
    case 'proxy':
      // SMTPD_PROXY_README: the filter sees each transaction live and answers the client's DATA.
      return [...OPEN_OVERRIDES, ['smtpd_proxy_filter', `${PEERS.proxyfilter.ip}:${PEERS.proxyfilter.port}`]];
    case 'ownwords':
      // FILTER_README's advanced filter, over the stock smtp transport (no XFORWARD sent).
      return [
        ...OPEN_OVERRIDES,
        ['content_filter', `smtp:${bracket(PEERS.replyfilter)}`],
        ['receive_override_options', 'no_address_mappings'],
      ];
  }
}

const REINJECT_OVERRIDES: Params = [
  ['syslog_name', 'postfix/amavis'],
  ['content_filter', ''],
  ['local_recipient_maps', ''],
  ['relay_recipient_maps', ''],
  ['smtpd_restriction_classes', ''],
  ['smtpd_delay_reject', 'no'],
  ['smtpd_client_restrictions', 'permit_mynetworks,reject'],
  ['smtpd_helo_restrictions', ''],
  ['smtpd_sender_restrictions', ''],
  ['smtpd_recipient_restrictions', 'permit_mynetworks,reject'],
  ['smtpd_relay_restrictions', 'permit_mynetworks,reject'],
  ['mynetworks', '127.0.0.0/8'],
  ['smtpd_authorized_xforward_hosts', '127.0.0.0/8'],
  ['receive_override_options', 'no_header_body_checks,no_unknown_recipient_checks,no_milters'],
];

/** SMTPD_PROXY_README's after-filter smtpd: trusts the proxy's XFORWARD, checks nothing twice. */
const PROXYBACK_OVERRIDES: Params = REINJECT_OVERRIDES.filter(([k]) => k !== 'syslog_name');

function service(head: string, overrides: Params): string {
  return [head, ...overrides.map(([k, v]) => `  -o ${k}=${v.replace(/\s+/g, '')}`)].join('\n');
}

export function masterCf(d: PostfixDirs): string {
  const l = LISTEN;
  return [
    '# bw-e2e master.cf: every service runs with chroot = n.',
    '# service type  private unpriv  chroot  wakeup  maxproc command + args',
    service(`${l.open.ip}:smtp inet n - n - - smtpd`, listenerOverrides('open')),
    service(`${l.strict.ip}:smtp inet n - n - - smtpd`, listenerOverrides('strict')),
    service(`${l.filtered.ip}:smtp inet n - n - - smtpd`, listenerOverrides('filtered')),
    service(`${l.simplefilter.ip}:smtp inet n - n - - smtpd`, listenerOverrides('simplefilter')),
    service(`${l.reinject.ip}:${l.reinject.port} inet n - n - - smtpd`, REINJECT_OVERRIDES),
    service(`${l.proxy.ip}:smtp inet n - n - - smtpd`, listenerOverrides('proxy')),
    service(`${l.proxyback.ip}:${l.proxyback.port} inet n - n - - smtpd`, PROXYBACK_OVERRIDES),
    service(`${l.ownwords.ip}:smtp inet n - n - - smtpd`, listenerOverrides('ownwords')),
    service('amavisfeed unix - - n - 2 smtp', [['smtp_send_xforward_command', 'yes'], ['smtp_data_done_timeout', '1200s']]),
    'pickup    unix  n - n 60 1 pickup',
    'cleanup   unix  n - n - 0 cleanup',
    service('cleanup-strict unix n - n - 0 cleanup', [['body_checks', `regexp:${d.config}/body_checks`]]),
    'qmgr      unix  n - n 300 1 qmgr',
    'rewrite   unix  - - n - - trivial-rewrite',
    'bounce    unix  - - n - 0 bounce',
    'defer     unix  - - n - 0 bounce',
    'trace     unix  - - n - 0 bounce',
    'verify    unix  - - n - 1 verify',
    'flush     unix  n - n 1000? 0 flush',
    'proxymap  unix  - - n - - proxymap',
    'proxywrite unix - - n - 1 proxymap',
    'smtp      unix  - - n - - smtp',
    'relay     unix  - - n - - smtp',
    'showq     unix  n - n - - showq',
    'error     unix  - - n - - error',
    'retry     unix  - - n - - error',
    'discard   unix  - - n - - discard',
    'local     unix  - n n - - local',
    'virtual   unix  - n n - - virtual',
    'lmtp      unix  - - n - - lmtp',
    'anvil     unix  - - n - 1 anvil',
    'scache    unix  - - n - 1 scache',
    'postlog   unix-dgram n - n - 1 postlogd',
    // A local delivery agent whose every mailbox is over quota: pipe(8) takes the leading
    // "5.2.2" of the command's output as the DSN of the bounce.
    `quota-lda unix  - n n - - pipe flags=q user=nobody argv=/bin/sh ${d.config}/quota-lda.sh \${recipient}`,
    // FILTER_README's simple content filter, as a non-root, non-postfix user (nobody, as quota-lda).
    `simplefilter unix - n n - 10 pipe flags=Rq user=nobody null_sender= argv=/bin/sh ${d.config}/simple-filter.sh -f \${sender} -- \${recipient}`,
    '',
  ].join('\n');
}

export function renderParams(p: Params, header: string[] = []): string {
  return [...header.map((h) => `# ${h}`), ...p.map(([k, v]) => `${k} = ${v}`), ''].join('\n');
}

/** main.cf with one listener's -o overrides folded in: what that smtpd actually runs with. */
export function effectiveMainCf(d: PostfixDirs, name: ListenerName): string {
  const merged = new Map(mainParams(d));
  for (const [k, v] of listenerOverrides(name)) merged.set(k, v);
  return renderParams([...merged], [
    `bw-e2e: effective settings of the "${name}" smtpd listener on ${LISTEN[name].ip}:${LISTEN[name].port}:`,
    'main.cf with that listener\'s master.cf "-o" overrides applied (see postfix.master.cf).',
  ]);
}

export async function writePostfixConfig(root: string): Promise<PostfixDirs> {
  // Postfix daemons run as user postfix and local/pipe as nobody: they must traverse root.
  const d: PostfixDirs = { root, ...await workDirs(root, { config: 'etc', queue: 'spool', data: 'data', mbox: 'mbox', log: 'log' }) };
  await chmod(d.mbox, 0o1777);
  await writeFile(path.join(d.config, 'main.cf'), renderParams(mainParams(d), ['bw-e2e main.cf (throwaway instance)']));
  await writeFile(path.join(d.config, 'master.cf'), masterCf(d));
  await writeFile(path.join(d.config, 'aliases'), [
    `postmaster: ${d.mbox}/postmaster`,
    'mailer-daemon: postmaster',
    `alice: ${d.mbox}/alice`,
    `bob: ${d.mbox}/bob`,
    'fwd4: gone4@ext.test',
    'fwd5: gone5@ext.test',
    'fwdok: friend@ext.test',
    '',
  ].join('\n'));
  // frank has no alias: transport_maps sends him to quota-lda; this table only lets the
  // strict listener know he exists.
  await writeFile(path.join(d.config, 'mailbox_users'), 'frank OK\n');
  await writeFile(path.join(d.config, 'transport'), [
    `${RELAY_DOMAIN} smtp:${bracket(PEERS.downstream)}`,
    `${SMALL_DOMAIN} smtp:${bracket(PEERS.smallbox)}`,
    `.victims.test smtp:${bracket(PEERS.internet)}`,
    `ext.test smtp:${bracket(PEERS.internet)}`,
    `${NXDOMAIN} error:5.4.4 Host or domain name not found. Name service error for name=${NXDOMAIN} type=MX: Host not found`,
    `frank@${LOCAL_DOMAIN} quota-lda:`,
    '',
  ].join('\n'));
  await writeFile(path.join(d.config, 'body_checks'), `/${VIRUS_MARKER}/ REJECT 5.7.1 Virus found: ${VIRUS_NAME}\n`);
  await writeFile(path.join(d.config, 'quota-lda.sh'), [
    '#!/bin/sh',
    '# Fake LDA: every mailbox is over quota. pipe(8) uses the leading enhanced code as the DSN.',
    'cat >/dev/null',
    'echo "5.2.2 Mailbox full: quota exceeded for $1"',
    'exit 73 # EX_CANTCREAT: permanent',
    '',
  ].join('\n'), { mode: 0o755 });
  await writeFile(path.join(d.config, 'simple-filter.sh'), [
    '#!/bin/sh',
    '# FILTER_README "simple content filter": inspect nothing, re-inject with Postfix\'s sendmail.',
    '# -G: not a submission (no address rewriting); -i: a lone dot is not the end.',
    '# Exit 75 (EX_TEMPFAIL) defers; any sendmail failure is passed on.',
    `/usr/sbin/sendmail -C ${d.config} -G -i "$@" || exit 75`,
    'exit 0',
    '',
  ].join('\n'), { mode: 0o755 });
  return d;
}
