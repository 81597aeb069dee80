// `bouncewatch serve` and `bouncewatch config print`: flags for every config key, generated
// from the schema so a new key cannot be forgotten here.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { BOOLEAN_KEYS, ConfigSchema, KEYS, LIST_KEYS, NUMBER_KEYS, type Config, type ConfigKey } from '../config/schema.ts';
import { checkConfiguredLogs, discoverLogs, usualLogs, type Found, type LogProblem } from '../daemon/discover.ts';
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

/** A config file's own "logs" key (the file was read and checked by loadConfig already). */
function fileHasLogs(file: string | undefined): boolean {
  return !!file && 'logs' in (JSON.parse(readFileSync(file, 'utf8')) as object);
}

interface Effective {
  cfg: Config;
  /** What discovery found, when no flag, environment variable or config file named the logs. */
  found?: Found;
  /** Configured files not there yet: followed from when they appear. */
  waiting: LogProblem[];
  demo: boolean;
}

function effective(opts: Opts): Effective {
  const flags = flagsOf(opts);
  const file = opts.config ?? process.env.BOUNCEWATCH_CONFIG;
  const cfg = loadConfig({ file, flags });
  const logsGiven = flags.logs !== undefined || !!process.env.BOUNCEWATCH_LOGS || fileHasLogs(file);
  if (logsGiven) return { cfg, waiting: checkConfiguredLogs(cfg.logs), demo: false };
  const found = discoverLogs({ usual: usualLogs(), units: cfg.journal_units });
  const logs = found.kind === 'none' ? [] : found.logs;
  // The demo is for a first look: with a config file, serve follows nothing rather than show it.
  return { cfg: { ...cfg, logs }, found, waiting: [], demo: found.kind === 'none' && !file };
}

export function registerServe(program: Command): void {
  addConfigFlags(program.command('serve').description('follow the mail logs into the database and serve the dashboard'))
    .action(async (opts: Opts) => {
      const { cfg, found, waiting, demo } = effective(opts);
      const log = makeLogger(cfg.log_level);
      for (const w of waiting) log.warn({ log: w.path }, w.msg);
      if (found && found.kind !== 'none') log.info({ logs: found.logs }, `following ${found.logs.join(', ')}: ${found.why}`);
      if (found?.kind === 'none' && !demo) log.warn({ looked_at: found.lookedAt }, `following nothing: ${found.why}; set "logs" in the config file`);
      await serve(cfg, log, { demo, ...(found?.kind === 'none' ? { why: found.why } : {}) });
      log.flush();
    });

  const config = program.command('config').description('configuration');
  addConfigFlags(config.command('print').description('print the effective configuration as JSON'))
    .action((opts: Opts) => {
      const { cfg } = effective(opts);
      console.log(JSON.stringify({ ...cfg, ...(cfg.token ? { token: '(set)' } : {}) }, null, 2));
    });
}
