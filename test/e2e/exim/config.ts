// Writes a throwaway Exim instance into a temp dir: one configuration file (two listeners told
// apart by $interface_address: the open one accepts any local part of its domains, the strict
// twin verifies recipients and rejects the virus marker at DATA), the system filter, the alias
// and mailbox files, and the spool, log and mailbox directories with the owners Exim needs.
import { chmod, chown, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { userIds, workDirs } from '../lib/processes.ts';
import {
  EXIM_BIN, EXIM_USER, FRANK_PREFILL_BYTES, HOSTNAME, IGNORE_BOUNCE_ERRORS_AFTER_S, INTERNAL_CLIENT, LISTEN, LOCAL_DOMAIN,
  MAILBOX_QUOTA, NXDOMAIN, PEER_PORT, PEERS, RELAY_DOMAIN, STRICT_SIZE_LIMIT, VIRUS_MARKER, VIRUS_NAME,
} from './topology.ts';

export interface EximDirs {
  root: string;
  /** The configuration file (listed in the trusted configs while the harness runs). */
  conf: string;
  etc: string;
  spool: string;
  /** log_file_path's directory: mainlog, rejectlog, paniclog. */
  log: string;
  mbox: string;
  /** rsyslogd's work dir and output files. */
  syslog: string;
  pid: string;
}

/** Local mailboxes (the local_user router's local_parts lookup) and aliases. */
const MAILBOXES = ['alice', 'bob', 'frank'];
export const ALIASES: Record<string, string> = {
  postmaster: 'alice',
  fwd4: 'gone4@ext.test',
  fwd5: 'gone5@ext.test',
  fwdok: 'friend@ext.test',
  // A closed account: the redirect router fails it ("** former13@exi.test R=system_aliases: ...").
  former13: ':fail: No such user here',
};

/**
 * log_selector: a realistic busy-server choice. Connections and their ends, the listener
 * (I=), recipients and subject on arrivals, the sender on deliveries, sizes and times.
 */
export const LOG_SELECTOR = [
  '+smtp_connection', '+smtp_incomplete_transaction', '+incoming_interface', '+received_recipients',
  '+sender_on_delivery', '+delivery_size', '+deliver_time', '+queue_time', '+subject', '+millisec',
].join(' ');

/**
 * The log_selector a run writes: the busy-server choice above, or null for Exim's default
 * (no +received_recipients: a message the system filter cancels names none of its recipients).
 */
export type LogSelector = string | null;

export function eximConf(d: EximDirs, logSelector: LogSelector = LOG_SELECTOR): string {
  const open = LISTEN.open.ip;
  const strict = LISTEN.strict.ip;
  return `# bouncewatch end-to-end test: a throwaway Exim 4.96 (test/e2e/exim/config.ts writes this).
# One daemon, two listeners: ${open} is the OPEN listener (accepts any local part of its
# domains, so unknown users are bounced after acceptance), ${strict} is the STRICT twin (the
# remedies of docs/remedies.md: verify = recipient, a callout for the relay domain, the
# virus check in the DATA ACL, a message_size_limit no larger than the downstream's).

exim_path = ${EXIM_BIN}
spool_directory = ${d.spool}
log_file_path = ${d.log}/%slog : syslog
pid_file_path = ${d.pid}
syslog_processname = exim
syslog_facility = mail
# Exim's own time stamp would otherwise lead every syslog body; a line that went to both the
# main and the reject log is sent to syslog once.
syslog_timestamp = false
syslog_duplication = false
${logSelector === null ? '# log_selector: Exim\'s default' : `log_selector = ${logSelector}`}

keep_environment =
host_lookup =
rfc1413_hosts =
primary_hostname = ${HOSTNAME}
qualify_domain = ${LOCAL_DOMAIN}
local_interfaces = ${open} : ${strict}
daemon_smtp_ports = ${LISTEN.open.port}
disable_ipv6 = true
tls_advertise_hosts =
smtp_banner = $smtp_active_hostname ESMTP Exim $version_number $tod_full
never_users = root

domainlist local_domains = @ : ${LOCAL_DOMAIN} : localhost
domainlist relay_to_domains = ${RELAY_DOMAIN}
hostlist relay_from_hosts = ${INTERNAL_CLIENT}

acl_smtp_rcpt = acl_check_rcpt
acl_smtp_data = acl_check_data
system_filter = ${d.etc}/system.filter
# Expanded per message: the strict twin takes no more than its downstream does.
message_size_limit = \${if eq{$interface_address}{${strict}}{${STRICT_SIZE_LIMIT}}{10M}}

# A failed NDR (and any failed message with the null sender) is frozen; drop it soon.
ignore_bounce_errors_after = ${IGNORE_BOUNCE_ERRORS_AFTER_S}s
# Delay warnings only for the "notifications" scenario (a message deferred past 6 s gets one
# at its next attempt, the next after an hour); every other deferred message would otherwise
# warn its sender too.
delay_warning = 6s : 1h
delay_warning_condition = \${if match{$h_message-id:}{bw-exim-notifications-}{yes}{no}}
queue_run_max = 5
remote_max_parallel = 4

######################################################################
begin acl

acl_check_rcpt:
  accept  hosts = :

  deny    message = Restricted characters in address
          domains = +local_domains
          local_parts = ^[.] : ^.*[@%!/|]

  accept  hosts = +relay_from_hosts

  require message = relay not permitted
          domains = +local_domains : +relay_to_domains

  # OPEN listener: any local part of our domains (accept-then-bounce, on purpose).
  accept  condition = \${if eq{$interface_address}{${open}}}

  # STRICT twin: route the recipient; check a local mailbox's appendfile quota (the /quota
  # option defers for remote addresses, so local domains only); ask the relay domain's
  # mailbox server with a callout.
  require verify = recipient
  deny    domains = +local_domains
          !verify = recipient/quota
  deny    domains = +relay_to_domains
          !verify = recipient/callout=10s,defer_ok
  accept

acl_check_data:
  accept  condition = \${if eq{$interface_address}{${open}}}
  deny    message = 5.7.1 Message content rejected: infected with ${VIRUS_NAME}
          condition = \${if match{$message_body}{${VIRUS_MARKER}}}
  accept

######################################################################
begin routers

relay_to_mailstore:
  driver = manualroute
  domains = +relay_to_domains
  transport = remote_smtp
  route_list = * ${PEERS.downstream.ip}
  no_more

# "The internet": the MX of ext.test and of the forged senders' domains. ${NXDOMAIN}
# has no router at all, so its addresses fail with "Unrouteable address".
internet:
  driver = manualroute
  domains = ext.test : ! ${NXDOMAIN} : *.victims.test
  transport = remote_smtp
  route_list = * ${PEERS.internet.ip}
  no_more

system_aliases:
  driver = redirect
  domains = +local_domains
  allow_fail
  allow_defer
  data = \${lookup{$local_part}lsearch{${d.etc}/aliases}}

local_user:
  driver = accept
  domains = +local_domains
  local_parts = lsearch;${d.etc}/mailboxes
  transport = local_delivery
# No router left: an unknown local part (or an unknown domain) fails "Unrouteable address".

######################################################################
begin transports

remote_smtp:
  driver = smtp
  port = ${PEER_PORT}
  hosts_try_fastopen = :

local_delivery:
  driver = appendfile
  file = ${d.mbox}/$local_part_data
  delivery_date_add
  envelope_to_add
  return_path_add
  user = ${EXIM_USER}
  group = ${EXIM_USER}
  mode = 0600
  current_directory = /
  quota = ${MAILBOX_QUOTA}

######################################################################
begin retry

# The relay recipient that never gets past 451 gives up after 15 s (retry timeout exceeded).
stuck161@${RELAY_DOMAIN}  *      F,15s,3s
# Deferred twice, then refused: retried no sooner than 8 s apart, so the second attempt comes
# after delay_warning (6 s) and sends the warning; the third fails it (a second bounce).
twice201@${RELAY_DOMAIN}  *      F,2m,8s
# An over-quota local mailbox bounces at once (no retry times). Exim logs the appendfile
# defer ("== ... mailbox is full (MTA-imposed quota exceeded ...)") and then
# "** frank@exi.test: retry timeout exceeded".
*                          quota
*                          *      F,2m,3s
`;
}

export const SYSTEM_FILTER = `# Exim filter
# bouncewatch e2e: an after-queue content check. The message is already accepted, so the
# sender (forged or not) gets an NDR: the backscatter the DATA ACL of the strict twin avoids.
if first_delivery and not error_message and $message_body contains "${VIRUS_MARKER}" then
  fail text "5.7.1 Message cancelled: infected with ${VIRUS_NAME}"
endif
`;

export async function writeEximConfig(root: string, logSelector: LogSelector = LOG_SELECTOR): Promise<EximDirs> {
  // Exim's delivery processes (Debian-exim) must get through root.
  const dirs = await workDirs(root, { etc: 'etc', spool: 'spool', log: 'log', mbox: 'mail', syslog: 'syslog' });
  const d: EximDirs = { root, conf: path.join(dirs.etc, 'exim.conf'), pid: path.join(root, 'exim.pid'), ...dirs };
  const exim = await userIds(EXIM_USER);
  for (const dir of [d.spool, d.log, d.mbox]) {
    await chown(dir, exim.uid, exim.gid);
    await chmod(dir, 0o750);
  }
  // Exim refuses a -C file (and its filter) that is not root's or is writable by others.
  await writeFile(d.conf, eximConf(d, logSelector), { mode: 0o644 });
  await writeFile(path.join(d.etc, 'system.filter'), SYSTEM_FILTER, { mode: 0o644 });
  await writeFile(path.join(d.etc, 'aliases'), Object.entries(ALIASES).map(([k, v]) => `${k}: ${v}\n`).join(''), { mode: 0o644 });
  await writeFile(path.join(d.etc, 'mailboxes'), MAILBOXES.map((u) => `${u}: ${u}\n`).join(''), { mode: 0o644 });
  // frank's mailbox is already over its quota: the next delivery fails "mailbox is full".
  const old = `From old@${LOCAL_DOMAIN} Thu Jan  1 00:00:00 2026\nSubject: old mail\n\n${'x'.repeat(76)}\n`;
  const frank = path.join(d.mbox, 'frank');
  await writeFile(frank, old.repeat(Math.ceil(FRANK_PREFILL_BYTES / old.length)), { mode: 0o600 });
  await chown(frank, exim.uid, exim.gid);
  return d;
}
