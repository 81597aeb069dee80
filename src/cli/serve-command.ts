// `bouncewatch serve` and `bouncewatch config print`: flags for every config key, generated
// from the schema so a new key cannot be forgotten here.
import { accessSync, constants } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/load.ts';
import { BOOLEAN_KEYS, ConfigSchema, KEYS, LIST_KEYS, NUMBER_KEYS, type Config, type ConfigKey } from '../config/schema.ts';
import { makeLogger } from '../daemon/logger.ts';
import { serve } from '../daemon/service.ts';

type Opts = Record<string, unknown> & { config?: string; log?: string[] };

const flagName = (k: ConfigKey) => (k === 'logs' ? 'log' : k.replace(/_/g, '-'));
const optKey = (k: ConfigKey) => (k === 'logs' ? 'log' : k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));

function addConfigFlags(cmd: Command): Command {
  cmd.option('--config <file>', 'JSON config file (also $BOUNCEWATCH_CONFIG)');
  for (const k of KEYS) {
    const desc = ConfigSchema.shape[k].description ?? k;
    if (k === 'logs') cmd.option('--log <path>', `${desc} (repeat for more)`, (v: string, prev: string[] = []) => [...prev, v]);
    else if (BOOLEAN_KEYS.has(k)) cmd.option(`--${flagName(k)}`, desc);
    else cmd.option(`--${flagName(k)} <${NUMBER_KEYS.has(k) ? 'n' : LIST_KEYS.has(k) ? 'list' : 'value'}>`, desc);
  }
  return cmd;
}

function flagsOf(opts: Opts): Partial<Record<ConfigKey, unknown>> {
  const flags: Partial<Record<ConfigKey, unknown>> = {};
  for (const k of KEYS) {
    const v = opts[optKey(k)];
    if (v !== undefined) flags[k] = v;
  }
  return flags;
}

function effective(opts: Opts): { cfg: Config; logsGiven: boolean } {
  const flags = flagsOf(opts);
  const cfg = loadConfig({ file: opts.config, flags });
  const logsGiven = flags.logs !== undefined || !!process.env.BOUNCEWATCH_LOGS || !!(opts.config ?? process.env.BOUNCEWATCH_CONFIG);
  if (logsGiven) {
    for (const p of cfg.logs) {
      try {
        accessSync(p, constants.R_OK);
      } catch {
        throw new ConfigError(`config key "logs": cannot read ${p}`);
      }
    }
  }
  return { cfg, logsGiven };
}

export function registerServe(program: Command): void {
  addConfigFlags(program.command('serve').description('follow the mail logs into the database and serve the dashboard'))
    .action(async (opts: Opts) => {
      const { cfg, logsGiven } = effective(opts);
      const log = makeLogger(cfg.log_level);
      await serve(cfg, log, { demo: !logsGiven && cfg.logs.length === 0 });
      log.flush();
    });

  const config = program.command('config').description('configuration');
  addConfigFlags(config.command('print').description('print the effective configuration as JSON'))
    .action((opts: Opts) => {
      const { cfg } = effective(opts);
      console.log(JSON.stringify({ ...cfg, ...(cfg.token ? { token: '(set)' } : {}) }, null, 2));
    });
}
