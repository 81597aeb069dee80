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
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigKey = keyof Config;

export const KEYS = Object.keys(ConfigSchema.shape) as ConfigKey[];

/** Keys whose value is a list: comma-separated in the environment and on the command line. */
export const LIST_KEYS: ReadonlySet<ConfigKey> = new Set(['logs', 'hostnames', 'local_domains', 'journal_identifiers', 'journal_units']);
export const BOOLEAN_KEYS: ReadonlySet<ConfigKey> = new Set(['public_health']);
export const NUMBER_KEYS: ReadonlySet<ConfigKey> = new Set([
  'retention_days', 'stale_after_hours', 'grace_seconds', 'max_open_messages', 'batch_lines', 'batch_ms', 'poll_ms',
]);

export const DEFAULT_LOGS = ['/var/log/mail.log', '/var/log/maillog', '/var/log/exim4/mainlog', '/var/log/exim/main.log'];
