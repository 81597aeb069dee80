// The one configuration schema: every key with its default and allowed range. Loaded from a
// JSON file, then BOUNCEWATCH_<KEY> environment variables, then command-line flags.
import { isIP } from 'node:net';
import { z } from 'zod';
import { NetworkList } from '../correlate/networks.ts';

const networks = z.string().refine(
  (v) => {
    try {
      NetworkList.parse(v);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a comma-separated list of IP networks (CIDR), like 127.0.0.1/32,::1/128' },
);

const listen = z
  .string()
  .regex(/^(?:\[[0-9a-fA-F:.]+\]|[0-9A-Za-z.:-]*):\d{1,5}$/, { message: 'must be ADDRESS:PORT, like 127.0.0.1:9825 or [::1]:9825' });

// A DNS name (RFC 1123 labels, an optional final dot) or an IP address: what a browser puts in Host.
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DNS_NAME = new RegExp(`^(?=.{1,253}\\.?$)${LABEL}(?:\\.${LABEL})*\\.?$`, 'i');
const hostname = z.string().refine((v) => DNS_NAME.test(v) || isIP(v.replace(/^\[|\]$/g, '')) !== 0, {
  message: 'each must be a host name or IP address, like dash.example.org (no scheme, port or path)',
});

/** The alert rules (src/alerts/rules.ts). */
export const ALERT_RULES = ['backscatter', 'new_source', 'scan', 'refused_ndrs', 'listed'] as const;
export type AlertRuleName = (typeof ALERT_RULES)[number];

const httpUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}, { message: 'must be an http:// or https:// URL' });

// Bare addresses only (as the digest's --to): a display name or a list is ambiguous.
export const ADDRESS = /^[^\s<>@",;]+@[^\s<>@",;]+$/;

export const ConfigSchema = z
  .object({
    db: z.string().min(1).refine((v) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(v) || /^postgres(ql)?:\/\//i.test(v), {
      message: 'must be an SQLite file path or a postgres://user@host:port/dbname URL',
    }).describe('where everything is kept: an SQLite file (the embedded default), or a PostgreSQL URL (postgres://user@host:port/dbname; PGPASSWORD, PGSSLMODE and the other libpq variables are honoured) that several hosts share'),
    agent: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, { message: 'must be a name of letters, digits, ".", "_" or "-" (at most 128)' })
      .describe('this writer\'s name in a shared PostgreSQL database: whose read positions and open messages are whose (one serve or import per name at a time); default: the host name'),
    logs: z.array(z.string().min(1)).describe('what to follow: log files, "journal" (this machine\'s systemd journal), "journal:DIR" (a journal directory), or "-" (standard input); default: the usual Postfix and Exim files that exist, else the journal'),
    journal_identifiers: z.array(z.string().min(1)).describe('journal entries read: SYSLOG_IDENTIFIER equal to one of these or starting with it and "/" or "-" (postfix-mx/smtpd, postfix/submission/smtpd)'),
    journal_units: z.array(z.string().min(1)).describe('journal entries read besides: those of these systemd units'),
    listen: listen.describe('address and port of the web server'),
    hostnames: z.array(hostname).describe('host names the dashboard is reached under, besides loopback and localhost'),
    token: z.string().min(16, { message: 'must be at least 16 characters' }).optional().describe('API token; required to listen beyond loopback'),
    public_health: z.boolean().describe('with a token: leave /healthz and /metrics open for monitoring'),
    internal_networks: networks.describe('clients that are not remote'),
    local_domains: z.array(z.string().min(1)).describe('domains that are ours, besides those learnt from local deliveries'),
    mainlog_host: z.string().min(1).describe('host name for Exim mainlog lines, which carry none'),
    retention_days: z.number().int().min(1).max(3650).describe('delete data older than this many days (of log time), checked daily'),
    stale_after_hours: z.number().int().min(1).max(24 * 60).describe('an open message with no line for this long is written as pending'),
    grace_seconds: z.number().int().min(0).max(86_400).describe('a finished message stays in memory this long for late lines'),
    max_open_messages: z.number().int().min(1).max(10_000_000).describe('messages kept in memory at most; more are kept in the database and read back when their next line comes'),
    batch_lines: z.number().int().min(1).max(1_000_000).describe('lines per write transaction at most'),
    batch_ms: z.number().int().min(10).max(60_000).describe('longest wait before pending lines are written'),
    poll_ms: z.number().int().min(10).max(60_000).describe('how often followed files are checked for growth and rotation'),
    log_level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).describe('bouncewatch\'s own log level'),
    // ---- alerts (serve evaluates them as lines arrive; docs: README "Alerts") ----
    alert_rules: z.array(z.enum(ALERT_RULES)).describe(`the alert rules serve evaluates (${ALERT_RULES.join(', ')}); empty: none`),
    alert_webhook_url: httpUrl.optional().describe('POST each alert as JSON here (a "text" field, so Slack and Mattermost incoming webhooks take it as it is)'),
    alert_webhook_secret: z.string().min(16, { message: 'must be at least 16 characters' }).optional()
      .describe('sign each webhook call: header X-Bouncewatch-Signature: sha256=HMAC-SHA256(secret, X-Bouncewatch-Timestamp + "." + body) in hex'),
    alert_email_to: z.array(z.string().regex(ADDRESS, { message: 'each must be an address like postmaster@example.org' })).describe('mail each alert to these addresses'),
    alert_email_from: z.string().regex(ADDRESS, { message: 'must be an address like bouncewatch@example.org' }).optional().describe('the alerts\' sender address; default bouncewatch@this host'),
    alert_transport: z.string().regex(/^(?:sendmail|smtp:\/\/.+)$/i, { message: 'must be sendmail or smtp://HOST:PORT' }).optional()
      .describe('how alert mail leaves: sendmail or smtp://HOST:PORT (as the digest\'s --transport); default sendmail'),
    alert_dashboard_url: httpUrl.optional().describe('the dashboard\'s address as the postmaster reaches it, for the links in alerts; default http://LISTEN/'),
    alert_window_minutes: z.number().int().min(1).max(24 * 60).describe('the sliding window (of log time) every alert rule counts in'),
    alert_backscatter_ndrs: z.number().int().min(1).describe('rule backscatter: at least this many backscatter NDRs in the window on one host...'),
    alert_backscatter_percent: z.number().int().min(0).max(100).describe('...that are at least this percentage of the messages it accepted in the window'),
    alert_new_source_ndrs: z.number().int().min(1).describe('rule new_source: a client network (/24, /64), local domain or recipient with at least this many backscatter NDRs in the window and none in the days before'),
    alert_new_source_days: z.number().int().min(1).max(90).describe('rule new_source: how many days before the window a source must have been quiet'),
    alert_scan_rejects: z.number().int().min(1).describe('rule scan: a client with at least this many unknown-recipient rejects in the window (a dictionary scan)'),
    alert_refused_ndrs: z.number().int().min(1).describe('rule refused_ndrs: at least this many backscatter NDRs refused by the forged senders\' servers in the window on one host'),
    public_ips: z.array(z.string().refine((v) => isIP(v) !== 0, { message: 'each must be an IP address' }))
      .describe('our sending addresses, checked against the DNS blocklists; default: the public addresses of this host\'s interfaces and those the MTA\'s config binds (smtp_bind_address, inet_interfaces, local_interfaces)'),
    dnsbl_zones: z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z0-9-]+(?:=[a-z0-9.-]+\.[a-z0-9-]+)?$/i, { message: 'each must be a DNS zone, like ips.backscatterer.org, or ZONE=KNOWN_ZONE for a mirror that answers as a known list' }))
      .describe('the DNS blocklists our addresses are checked against (ZONE, or ZONE=KNOWN_ZONE: a mirror or paid feed read as the known list); empty: no checks'),
    dnsbl_resolvers: z.array(z.string().regex(/^(?:\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?|\[[0-9a-f:.]+\](?::\d{1,5})?|[0-9a-f:]+)$/i, { message: 'each must be an IP address, IP:PORT or [IPv6]:PORT' }))
      .describe('DNS servers the blocklist checks ask (a local caching resolver: most lists refuse queries from big public resolvers); empty: the system\'s'),
    dnsbl_interval_minutes: z.number().int().min(0).max(7 * 24 * 60).describe('how often serve checks our addresses against the blocklists; 0: never'),
    dnsbl_queries_per_second: z.number().int().min(1).max(100).describe('DNS queries to the blocklists per second at most (their usage terms ask for a low rate; answers are cached for their TTL)'),
    alert_cooldown_minutes: z.number().int().min(0).max(7 * 24 * 60).describe('an alert that resolved does not fire again for the same thing within this many minutes'),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigKey = keyof Config;

export const KEYS = Object.keys(ConfigSchema.shape) as ConfigKey[];

/** Keys whose value is a list: comma-separated in the environment and on the command line. */
export const LIST_KEYS: ReadonlySet<ConfigKey> = new Set([
  'logs', 'hostnames', 'local_domains', 'journal_identifiers', 'journal_units', 'alert_rules', 'alert_email_to', 'public_ips', 'dnsbl_zones', 'dnsbl_resolvers',
]);
export const BOOLEAN_KEYS: ReadonlySet<ConfigKey> = new Set(['public_health']);
export const NUMBER_KEYS: ReadonlySet<ConfigKey> = new Set([
  'retention_days', 'stale_after_hours', 'grace_seconds', 'max_open_messages', 'batch_lines', 'batch_ms', 'poll_ms',
  'alert_window_minutes', 'alert_backscatter_ndrs', 'alert_backscatter_percent', 'alert_new_source_ndrs', 'alert_new_source_days',
  'alert_scan_rejects', 'alert_refused_ndrs', 'alert_cooldown_minutes', 'dnsbl_interval_minutes', 'dnsbl_queries_per_second',
]);

export const DEFAULT_LOGS = ['/var/log/mail.log', '/var/log/maillog', '/var/log/exim4/mainlog', '/var/log/exim/main.log'];
