// The `bouncewatch` command: wires arguments to the import pipeline and the queries. Errors
// end the process with one line naming what was wrong, and a non-zero status.
import { Command, InvalidArgumentError } from 'commander';
import { commandConfig, periodFlags, withAgent, withDatabase, withJudgement, withPeriod, withStore, type PeriodOptions, type SharedOptions } from './cli/options.ts';
import { access, constants } from 'node:fs/promises';
import { Ingest } from './ingest/ingest.ts';
import { importFile } from './ingest/import-files.ts';
import { importJournal } from './ingest/import-journal.ts';
import { parseTime } from './report/iso-time.ts';
import { formatReport } from './cli/format-report.ts';
import { formatMessage } from './cli/format-messages.ts';
import { registerServe } from './cli/serve-command.ts';
import { registerAdvise } from './cli/advise-command.ts';
import { registerDigest } from './cli/digest-command.ts';
import { registerAudit } from './cli/audit-command.ts';
import { registerAlerts } from './cli/alerts-command.ts';
import { AlertEngine } from './alerts/engine.ts';
import { alertChannels, dashboardUrl, ruleSettings } from './alerts/settings.ts';
import { makeLogger } from './daemon/logger.ts';
import { rejectCauses } from './report/listings.ts';
import { summarize } from './report/summary.ts';
import { terminalJson, visible } from './report/terminal-text.ts';
import { lockStore, openStore } from './store/open.ts';

// A reader that closes early (`bouncewatch messages --json | head -1`) is not an error: stop
// quietly with status 0, as Unix tools do. Any other failure to write stdout still is one.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  process.stderr.write(`bouncewatch: cannot write the output: ${visible(e.message)}\n`);
  process.exit(1);
});

interface ImportOptions extends SharedOptions {
  year?: number;
  journal?: string | true;
  journalFile?: string[];
  since?: string;
  alerts?: boolean;
}

/** What to read from the journal, or undefined for files; mixed or misplaced options are refused. */
function journalImportOf(opts: ImportOptions, paths: string[]): { files?: string[]; directory?: string; since?: number } | undefined {
  const journal = opts.journal !== undefined || opts.journalFile !== undefined;
  if (!journal) {
    if (opts.since !== undefined) throw new Error('--since goes with --journal or --journal-file (a log file is read whole, and resumed where the last import stopped)');
    if (paths.length === 0) throw new Error('import what? name log files (or - for stdin), or give --journal or --journal-file');
    return undefined;
  }
  if (opts.journal !== undefined && opts.journalFile !== undefined) throw new Error('--journal and --journal-file do not mix: import one, then the other');
  if (paths.length > 0) throw new Error(`log files (${paths.join(' ')}) and the journal do not mix in one import: import the files, then the journal`);
  if (opts.year !== undefined) throw new Error('--year is for classic syslog lines in files: journal entries carry their own time');
  return {
    ...(opts.journalFile !== undefined ? { files: opts.journalFile } : {}),
    ...(typeof opts.journal === 'string' ? { directory: opts.journal } : {}),
    ...(opts.since !== undefined ? { since: parseTime(opts.since, '--since') } : {}),
  };
}

function yearArg(v: string): number {
  const y = Number(v);
  if (!Number.isInteger(y) || y < 1970 || y > 9999) throw new InvalidArgumentError('must be a year like 2026');
  return y;
}

const program = new Command('bouncewatch')
  .description('Finds accept-then-bounce and backscatter in Postfix and Exim logs, and says why.')
  .showHelpAfterError();

withAgent(withJudgement(withDatabase(program
  .command('import')
  .description('read log files (plain, .gz, or - for stdin) in the order given into the database; or the systemd journal (--journal, --journal-file)')
  .argument('[paths...]'))))
  .option('--year <yyyy>', 'year of the first line for classic syslog lines (default: guessed from the file time)', yearArg)
  .option('--journal [dir]', 'read this machine\'s systemd journal instead of files (or the journal directory DIR, as journalctl -D)')
  .option('--journal-file <files...>', 'read journal files (such as files copied from another host, as journalctl --file) instead of log files')
  .option('--since <time>', 'with --journal or --journal-file: only entries from this time on (ISO 8601, or a span back from now: 24h, 7d)')
  .option('--alerts', 'judge the alert rules over the imported history as serve would have, recording the alerts and notifying the configured channels (history is otherwise never alerted on)')
  .action(async (paths: string[], opts: ImportOptions) => {
    const cfg = commandConfig(opts);
    // Checked before anything is read: a channel that cannot work stops the import.
    const channels = opts.alerts ? alertChannels(cfg) : [];
    const journal = journalImportOf(opts, paths);
    for (const p of journal ? (journal.files ?? []) : paths) {
      if (p === '-') continue;
      await access(p, constants.R_OK).catch((e: NodeJS.ErrnoException) => {
        // A journal file this user may not read: journalctl says so, and the error names the fix.
        if (!(journal && e.code === 'EACCES')) throw new Error(`cannot read ${p}`);
      });
    }
    // One writer at a time: a second import waits for the first; a running serve is named.
    const lock = await lockStore(cfg.db, { agent: cfg.agent, role: 'import', waitFor: ['import'], onWait: (_h, msg) => process.stderr.write(`bouncewatch: ${msg}\n`) });
    if (lock.tookOver) process.stderr.write(`bouncewatch: took over the lock of pid ${lock.tookOver.pid}, which is gone\n`);
    process.once('exit', lock.release);
    const store = await openStore(cfg.db, { agent: cfg.agent });
    const started = Date.now();
    const ingest = await Ingest.open(store, { internalNetworks: cfg.internal_networks, localDomains: cfg.local_domains });
    const tty = process.stderr.isTTY;
    const notes: string[] = [];
    let from: string;
    if (journal) {
      const r = await importJournal(store, ingest, {
        ...journal,
        match: { identifiers: cfg.journal_identifiers, units: cfg.journal_units },
        onProgress: tty ? (n) => process.stderr.write(`\rjournal: ${n} entries`) : undefined,
      });
      if (tty) process.stderr.write('\r\x1b[K');
      from = journal.files ? `${journal.files.length} journal file(s)` : journal.directory !== undefined ? `the journal in ${journal.directory}` : 'the journal';
      if (r.skipped > 0) notes.push(`${r.skipped} journal ${r.skipped === 1 ? 'entry was' : 'entries were'} imported before, skipped`);
    } else {
      let skipped = 0;
      for (const p of paths) {
        const r = await importFile(store, ingest, p, {
          year: opts.year,
          mainlogHost: cfg.mainlog_host,
          onProgress: tty ? (path, n) => process.stderr.write(`\r${visible(path)}: ${n} lines`) : undefined,
        });
        if (r.skippedBytes > 0) skipped++;
        if (tty) process.stderr.write('\r\x1b[K');
      }
      from = `${paths.length} file(s)`;
      if (skipped > 0) notes.push(`${skipped} file(s) were partly imported before, resumed after that`);
    }
    // The dashboard's hourly rollups of what this import changed, now rather than on its first read.
    await store.refreshRollups();
    if (opts.alerts && ingest.firstRead !== null && ingest.lastLogTime !== null) {
      const engine = new AlertEngine(store, {
        settings: ruleSettings(cfg), cooldownMs: cfg.alert_cooldown_minutes * 60_000, dashboardUrl: dashboardUrl(cfg), channels,
        log: makeLogger(cfg.log_level, 2),
      });
      await engine.replay(ingest.firstRead, ingest.lastLogTime);
      engine.stop();
      notes.push(`alerts: ${engine.counts.fired} fired, ${engine.counts.resolved} resolved over the imported period${channels.length > 0 ? `, notified on ${channels.map((c) => c.name).join(' and ')}` : ' (no channel configured)'}`);
    }
    const t = ingest.totals;
    const secs = (Date.now() - started) / 1000;
    await store.close();
    lock.release();
    if (ingest.blankLines > 0) notes.unshift(`${ingest.blankLines} blank line(s) skipped`);
    console.log(
      `imported ${t.total} lines from ${visible(from)} in ${secs.toFixed(1)}s: ${t.mail} mail, ` +
        `${t.unknown} not understood${ingest.futureLines > 0 ? ` (${ingest.futureLines} dated more than a day past this machine's clock)` : ''}, ${t.other} other programs` +
        notes.map((n) => `; ${n}`).join(''),
    );
  });

withPeriod(withDatabase(program
  .command('report')
  .description('what accept-then-bounce this server did, and why')))
  .option('--json', 'print one JSON object')
  .action((opts: SharedOptions & PeriodOptions & { json?: boolean }) =>
    withStore(opts, async (store) => {
      const { from, to, host } = periodFlags(opts);
      const s = await summarize(store, from, to, host);
      const p = await store.period(from, to, host);
      const rejects = opts.json ? [] : await rejectCauses(store, p);
      console.log(opts.json ? terminalJson(s) : formatReport(s, rejects, { host, split: await store.hostTotals(p) }));
    }));

withPeriod(withDatabase(program
  .command('messages')
  .description('list messages with their recipients, outcome and notifications')))
  .option('--backscatter', 'only messages whose NDR was backscatter')
  .option('--json', 'one JSON object per line')
  .action((opts: SharedOptions & PeriodOptions & { backscatter?: boolean; json?: boolean }) =>
    withStore(opts, async (store) => {
      const { from, to, host } = periodFlags(opts);
      const p = await store.period(from, to, host);
      for await (const m of store.messages(p, opts.backscatter ? { backscatter: true } : {})) {
        process.stdout.write(opts.json ? `${terminalJson(m)}\n` : formatMessage(m));
      }
    }));

registerServe(program);
registerAdvise(program);
registerDigest(program);
registerAudit(program);
registerAlerts(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`bouncewatch: ${visible((e as Error).message)}\n`);
  process.exit(1);
});
