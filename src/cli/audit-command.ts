// `bouncewatch audit`: reads the Postfix / Exim configuration (files, stdin, or the MTA's own
// tools when none is given), reports the settings that accept mail only to bounce it later,
// with their fix and, from the database when there is one, the bounces they caused.
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { audit, type AuditInput } from '../advise/audit/audit.ts';
import { formatAudit } from '../advise/audit/format.ts';
import { collectFromPath } from '../advise/audit/run-mta.ts';
import { openStore } from '../store/open.ts';
import { isPostgresUrl } from '../store/postgres/pg.ts';
import type { Store } from '../store/store.ts';
import { commandConfig, type SharedOptions } from './options.ts';
import { terminalJson, visible } from '../report/terminal-text.ts';
import { parseTime } from '../report/iso-time.ts';

interface Opts extends SharedOptions {
  postconf?: string;
  postconfM?: string;
  exim?: string;
  db?: string;
  since?: string;
  json?: boolean;
}

let stdinUsed = false;

function read(file: string, flag: string): string {
  if (file === '-') {
    if (stdinUsed) throw new Error(`${flag} -: standard input is already used by another option`);
    stdinUsed = true;
  }
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new Error(`${flag}: cannot read ${file === '-' ? 'standard input' : file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

/** Files a configuration names (system_filter, .include): read when readable, else null. */
function readIfReadable(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function inputs(opts: Opts): { input: AuditInput; notes: string[] } {
  if (opts.postconfM !== undefined && opts.postconf === undefined) throw new Error('--postconf-m needs --postconf (main.cf or postconf -n output) too');
  const input: AuditInput = {};
  const notes: string[] = [];
  if (opts.postconf === undefined && opts.exim === undefined) {
    const c = collectFromPath();
    process.stderr.write(`audit: no configuration given; ran ${c.ran.map((r) => `\`${r}\``).join(', ')}\n`);
    notes.push(...c.notes);
    if (c.postfix) input.postfix = c.postfix;
    if (c.exim) input.exim = { ...c.exim, readFile: readIfReadable };
    return { input, notes };
  }
  if (opts.postconf !== undefined) {
    const main = read(opts.postconf, '--postconf');
    const master = opts.postconfM === undefined ? undefined : read(opts.postconfM, '--postconf-m');
    const name = (f: string) => (f === '-' ? 'stdin' : f);
    input.postfix = {
      main,
      ...(master === undefined ? {} : { master }),
      source: master === undefined ? name(opts.postconf) : `${name(opts.postconf)} + ${name(opts.postconfM!)}`,
    };
    if (master === undefined) notes.push('postfix: no --postconf-m (postconf -M / master.cf): master.cf -o overrides were not audited');
  }
  if (opts.exim !== undefined) {
    input.exim = { text: read(opts.exim, '--exim'), source: opts.exim === '-' ? 'stdin' : opts.exim, readFile: readIfReadable };
  }
  return { input, notes };
}

async function database(opts: Opts): Promise<Store | null> {
  if (opts.db !== undefined) {
    if (!isPostgresUrl(opts.db) && !existsSync(opts.db)) throw new Error(`--db: ${opts.db} does not exist`);
    return openStore(opts.db, { readonly: true });
  }
  // The configured database (config file, $BOUNCEWATCH_DB, or the default), when there is one.
  const def = commandConfig(opts).db;
  return isPostgresUrl(def) || existsSync(def) ? openStore(def, { readonly: true }) : null;
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('check the Postfix / Exim configuration for settings that accept mail and bounce it later')
    .option('--postconf <file>', 'output of `postconf -n`, or a main.cf (- for stdin)')
    .option('--postconf-m <file>', 'output of `postconf -M`, or a master.cf: each smtpd service is audited with its -o overrides')
    .option('--exim <file>', 'the Exim configure file, or `exim -bP config` / `exim -bP` output (- for stdin)')
    .option('--config <file>', 'JSON config file (also $BOUNCEWATCH_CONFIG): its "db"')
    .option('--db <file>', 'database for the log evidence (default: the config\'s "db", $BOUNCEWATCH_DB or ./bouncewatch.db, when it exists)')
    .option('--since <time>', 'start of the evidence period (ISO 8601, or a span back from now: 24h, 7d)')
    .option('--json', 'print one JSON object: { postfix, exim, sources, evidence_period }')
    .addHelpText('after', '\nWith neither --postconf nor --exim, runs `postconf -n` / `postconf -M` and `exim4 -bP config` when they are on PATH.')
    .action(async (opts: Opts) => {
      const since = opts.since === undefined ? undefined : parseTime(opts.since, '--since');
      const { input, notes } = inputs(opts);
      const store = await database(opts);
      if (store) input.evidence = { store, period: await store.period(since) };
      else if (since !== undefined) notes.push('--since: no database, so no evidence period');
      try {
        const out = await audit(input);
        for (const n of [...notes, ...out.notes]) process.stderr.write(`audit: note: ${visible(n)}\n`);
        console.log(opts.json ? terminalJson(out.result) : formatAudit(out.result));
      } finally {
        await store?.close();
      }
    });
}
