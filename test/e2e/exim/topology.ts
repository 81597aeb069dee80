// Names and addresses shared by the Exim config, the peers and the scenarios. The addresses
// differ from the Postfix harness's (127.0.0.11-13, peers on port 25) so that the two harnesses
// can run at the same time; only /dev/log is shared, and lib/rsyslog.ts serializes that.
import { hostname } from 'node:os';

/** Where test/e2e/setup-debian.sh unpacks Debian's exim4-daemon-light (BW_EXIM_ROOT overrides). */
export const EXIM_ROOT = process.env.BW_EXIM_ROOT ?? `${process.env.BW_EXIM_CACHE ?? '/var/cache/bouncewatch-e2e/exim'}/root`;
export const EXIM_BIN = `${EXIM_ROOT}/usr/sbin/exim4`;
/** TRUSTED_CONFIG_LIST of Debian's build (exim4 -bV does not print it; see real-mta.md). */
export const TRUSTED_CONFIGS = '/etc/exim4/trusted_configs';
/** EXIM_USER of Debian's build. */
export const EXIM_USER = 'Debian-exim';

export const HOSTNAME = 'mx2.exi.test';
/** Host field of the syslog lines (rsyslog's localHostName): the first label of HOSTNAME. */
export const SYSLOG_HOST = 'mx2';
/**
 * The mainlog names no host: bouncewatch reports this machine's short host name for it
 * (src/parse/prefix.ts), evaluated where the log is imported, not where it was written.
 */
export const mainlogHost = (): string => hostname().split('.')[0] ?? 'localhost';

export const LOCAL_DOMAIN = 'exi.test';
export const RELAY_DOMAIN = 'relay.exi.test';

/** One Exim daemon, two listeners: the ACLs tell them apart by $interface_address. */
export const LISTEN = {
  open: { ip: '127.0.0.21', port: 25 },
  strict: { ip: '127.0.0.22', port: 25 },
} as const;

/** Node peers; Exim's remote_smtp transport uses PEER_PORT for every host. */
export const PEER_PORT = 2525;
export const PEERS = {
  downstream: { ip: '127.0.0.31', port: PEER_PORT }, // relay.exi.test's mailbox server
  internet: { ip: '127.0.0.41', port: PEER_PORT }, // MX of ext.test and *.victims.test
} as const;

/** Clients in here are "internal" (Exim's relay_from_hosts, bouncewatch's default internal networks). */
export { INTERNAL_CLIENT } from '../lib/scenario.ts';

/** A sender domain no router handles: its NDRs fail with "Unrouteable address". */
export const NXDOMAIN = 'nxdomain.victims.test';

/** The EICAR-like marker the DATA ACL and the system filter look for (not the real EICAR string). */
export const VIRUS_MARKER = 'BW-EICAR-LIKE-TEST-SIGNATURE-7f3a';
export const VIRUS_NAME = 'Eicar-Test-Signature';

/** Size limit in bytes of big*@relay.exi.test at the mailbox server (552 5.3.4 at end of DATA). */
export const DOWNSTREAM_MAX_SIZE = 20_000;
/** message_size_limit of the strict twin: no larger than the downstream's (the remedy). */
export const STRICT_SIZE_LIMIT = '20K';

/** appendfile quota of every local mailbox; frank's mailbox is filled past it beforehand. */
export const MAILBOX_QUOTA = '64K';
export const FRANK_PREFILL_BYTES = 70 * 1024;

/** ignore_bounce_errors_after: frozen failed NDRs are dropped this long after they arrived. */
export const IGNORE_BOUNCE_ERRORS_AFTER_S = 10;
/** Queue runner interval of the daemon (-qNs). */
export const QUEUE_INTERVAL_S = 5;
