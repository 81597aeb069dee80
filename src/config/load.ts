// Builds the effective configuration: defaults < config file < BOUNCEWATCH_* environment <
// flags. Any bad value stops start-up with a message naming the key and where it came from.
import { existsSync, readFileSync, accessSync, constants } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { isLoopbackAddress } from '../http/addresses.ts';
import { splitListen } from '../http/listen.ts';
import { ALERT_RULES, BOOLEAN_KEYS, ConfigSchema, DEFAULT_LOGS, KEYS, LIST_KEYS, NUMBER_KEYS, type Config, type ConfigKey } from './schema.ts';
import { MAX_OPEN_DEFAULT } from '../correlate/tracker.ts';

export class ConfigError extends Error {}

type Raw = Partial<Record<ConfigKey, unknown>>;

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  flags?: Raw;
  /** False for commands that serve nothing: the listen/token rule is not theirs (default true). */
  listening?: boolean;
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export function defaults(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    db: env.BOUNCEWATCH_DB || './bouncewatch.db',
    agent: hostname().split('.')[0] || 'localhost',
    logs: DEFAULT_LOGS.filter((p) => existsSync(p) && readable(p)),
    journal_identifiers: ['postfix', 'exim', 'exim4'],
    journal_units: ['postfix.service', 'postfix@-.service', 'exim4.service', 'exim.service'],
    listen: '127.0.0.1:9825',
    hostnames: [],
    public_health: false,
    internal_networks: '127.0.0.1/32,::1/128',
    local_domains: [],
    mainlog_host: hostname().split('.')[0] || 'localhost',
    retention_days: 90,
    stale_after_hours: 168,
    grace_seconds: 600,
    max_open_messages: MAX_OPEN_DEFAULT,
    batch_lines: 5000,
    // A line is in the API within poll_ms + batch_ms + a commit: at 500 ms the p99 at 10k
    // lines/s was 0.9 s, at 250 ms it keeps clear of issue 8's 1 s (npm run bench:follow).
    batch_ms: 250,
    poll_ms: 250,
    log_level: 'info',
    // Alerts: defaults for a small server (a few thousand messages a day), where 20
    // backscatter NDRs in an hour is already a spam run getting through.
    alert_rules: [...ALERT_RULES],
    alert_email_to: [],
    alert_window_minutes: 60,
    alert_backscatter_ndrs: 20,
    alert_backscatter_percent: 5,
    alert_new_source_ndrs: 5,
    alert_new_source_days: 7,
    alert_scan_rejects: 20,
    alert_refused_ndrs: 10,
    alert_cooldown_minutes: 30,
    // The blocklist watch: the backscatter list first, then the lists most receivers use.
    // Barracuda (b.barracudacentral.org) answers only registered resolvers: add it when yours is.
    public_ips: [],
    dnsbl_zones: ['ips.backscatterer.org', 'zen.spamhaus.org', 'bl.spamcop.net', 'psbl.surriel.com'],
    dnsbl_resolvers: [],
    dnsbl_interval_minutes: 60,
    dnsbl_queries_per_second: 2,
  };
}

function fromText(key: ConfigKey, text: string): unknown {
  if (LIST_KEYS.has(key)) return text.split(',').map((s) => s.trim()).filter(Boolean);
  if (BOOLEAN_KEYS.has(key)) return text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : text;
  if (NUMBER_KEYS.has(key)) return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
  return text;
}

function fromFile(path: string): { raw: Raw; source: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`config file ${path} must hold one JSON object`);
  const unknownKey = Object.keys(raw).find((k) => !(KEYS as string[]).includes(k));
  if (unknownKey) throw new ConfigError(`config file ${path}: unknown key "${unknownKey}" (known: ${KEYS.join(', ')})`);
  return { raw: raw as Raw, source: `config file ${path}` };
}

function fromEnv(env: NodeJS.ProcessEnv): { raw: Raw; sources: Map<ConfigKey, string> } {
  const raw: Raw = {};
  const sources = new Map<ConfigKey, string>();
  for (const key of KEYS) {
    const name = `BOUNCEWATCH_${key.toUpperCase()}`;
    const v = env[name];
    if (v === undefined || v === '') continue;
    raw[key] = fromText(key, v);
    sources.set(key, `environment ${name}`);
  }
  return { raw, sources };
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const merged: Raw = { ...defaults(env) };
  const origin = new Map<ConfigKey, string>();
  const file = opts.file ?? env.BOUNCEWATCH_CONFIG;
  if (file) {
    const f = fromFile(file);
    for (const [k, v] of Object.entries(f.raw) as [ConfigKey, unknown][]) {
      merged[k] = v;
      origin.set(k, f.source);
    }
  }
  const e = fromEnv(env);
  for (const [k, v] of Object.entries(e.raw) as [ConfigKey, unknown][]) {
    merged[k] = v;
    origin.set(k, e.sources.get(k)!);
  }
  for (const [k, v] of Object.entries(opts.flags ?? {}) as [ConfigKey, unknown][]) {
    if (v === undefined) continue;
    merged[k] = typeof v === 'string' ? fromText(k, v) : v;
    origin.set(k, `flag --${k.replace(/_/g, '-')}`);
  }
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    const where = origin.get(key as ConfigKey) ?? 'default';
    throw new ConfigError(`config key "${key}" (from ${where}): ${issue.message}`);
  }
  const cfg = parsed.data;
  if (opts.listening !== false && !mayListenWithoutToken(cfg.listen) && cfg.token === undefined) {
    throw new ConfigError(`config key "listen" (${cfg.listen}) is not a loopback address: set "token" too, or listen on 127.0.0.1`);
  }
  return cfg;
}

/**
 * An address is judged here; a name only when `serve` resolves it (src/http/listen.ts), as
 * what it resolves to is what decides, not how it is spelt.
 */
export function mayListenWithoutToken(listen: string): boolean {
  const { name } = splitListen(listen);
  return isIP(name) === 0 ? name !== '' : isLoopbackAddress(name);
}
