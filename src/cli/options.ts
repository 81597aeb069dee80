// The options the reading commands share (import, report, messages, advise, digest, audit),
// read through the one config schema: --config, --db, --since/--until, and for import the
// judgement of what is remote and what is ours. Their defaults live only in src/config/load.ts, so `import` judges
// backscatter as `serve` does on the same server (issue 14, item 5).
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { NetworkList } from '../correlate/networks.ts';
import type { Config } from '../config/schema.ts';
import { parseTime } from '../report/iso-time.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';

export interface SharedOptions {
  config?: string;
  db?: string;
  agent?: string;
  internalNetworks?: string;
  localDomains?: string;
}

/** --config and --db. */
export function withDatabase(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'JSON config file (also $BOUNCEWATCH_CONFIG): its "db" and, for import, "internal_networks" and "local_domains"')
    .option('--db <file>', 'SQLite database file or postgres://user@host:port/dbname (default: the config\'s "db", $BOUNCEWATCH_DB, or ./bouncewatch.db)');
}

/** --agent: whose read positions an import into a shared PostgreSQL database keeps. */
export function withAgent(cmd: Command): Command {
  return cmd.option('--agent <name>', 'this writer\'s name in a shared PostgreSQL database (default: the config\'s "agent", $BOUNCEWATCH_AGENT, or the host name)');
}

/** A bad network list is named with the flag and its value. */
function networksArg(v: string): string {
  try {
    NetworkList.parse(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return v;
}

/** What is remote and what is ours: flags over the config file over the defaults. */
export function withJudgement(cmd: Command): Command {
  return cmd
    .option('--internal-networks <list>', 'clients that are not remote (CIDR, comma-separated; default: the config\'s "internal_networks")', networksArg)
    .option('--local-domains <list>', 'domains that are ours, besides those learnt from local deliveries (default: the config\'s "local_domains")');
}

/** The effective configuration of a command: defaults < config file < environment < these flags. */
export function commandConfig(opts: SharedOptions): Config {
  return loadConfig({
    file: opts.config,
    // Domains as the flag always took them: separated by commas or white space.
    flags: { db: opts.db, agent: opts.agent, internal_networks: opts.internalNetworks, local_domains: opts.localDomains?.split(/[\s,]+/).filter(Boolean) },
    // These commands serve nothing: the web server's listen/token rule is serve's to check.
    listening: false,
  });
}

export interface PeriodOptions {
  since?: string;
  until?: string;
  host?: string;
}

/** --host: one MTA host of a fleet sharing the database (all of them when not given). */
export function withHost(cmd: Command): Command {
  return cmd.option('--host <name>', 'only this MTA host\'s mail (as its log lines name it; default: every host in the database)');
}

/** --since, --until and --host, with one wording for every command (digest gives its own default). */
export function withPeriod(cmd: Command, sinceDefault?: string): Command {
  return withHost(cmd
    .option('--since <time>', 'start (ISO 8601, or a span back from now: 24h, 7d)', sinceDefault)
    .option('--until <time>', 'end (ISO 8601, or a span back from now)'));
}

/** The flags' times, each error naming its flag, and the host; undefined where not given. */
export function periodFlags(opts: PeriodOptions): { from?: number; to?: number; host?: string } {
  return {
    ...(opts.since === undefined ? {} : { from: parseTime(opts.since, '--since') }),
    ...(opts.until === undefined ? {} : { to: parseTime(opts.until, '--until') }),
    ...(opts.host === undefined || opts.host === '' ? {} : { host: opts.host }),
  };
}

/** The command's store (the config's "db"), closed when `use` ends, however it ends. */
export async function withStore<T>(opts: SharedOptions, use: (store: Store) => Promise<T>, storeOpts: { readonly?: boolean } = {}): Promise<T> {
  const cfg = commandConfig(opts);
  const store = await openStore(cfg.db, { ...storeOpts, agent: cfg.agent });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}
