// The `bouncewatch` command: wires arguments to the import pipeline and the queries. Errors
// end the process with one line naming what was wrong, and a non-zero status.
import { Command, InvalidArgumentError } from 'commander';
import { commandConfig, periodFlags, withDatabase, withJudgement, withPeriod, withStore, type PeriodOptions, type SharedOptions } from './cli/options.ts';
import { access, constants } from 'node:fs/promises';
import { Ingest } from './ingest/ingest.ts';
import { importFile } from './ingest/import-files.ts';
import { formatReport } from './cli/format-report.ts';
import { formatMessage } from './cli/format-messages.ts';
import { registerServe } from './cli/serve-command.ts';
import { registerAdvise } from './cli/advise-command.ts';
import { registerDigest } from './cli/digest-command.ts';
import { registerAudit } from './cli/audit-command.ts';
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

function yearArg(v: string): number {
  const y = Number(v);
  if (!Number.isInteger(y) || y < 1970 || y > 9999) throw new InvalidArgumentError('must be a year like 2026');
  return y;
}

const program = new Command('bouncewatch')
  .description('Finds accept-then-bounce and backscatter in Postfix and Exim logs, and says why.')
  .showHelpAfterError();

withJudgement(withDatabase(program
  .command('import')
  .description('read log files (plain, .gz, or - for stdin) in the order given into the database')
  .argument('<paths...>')))
  .option('--year <yyyy>', 'year of the first line for classic syslog lines (default: guessed from the file time)', yearArg)
  .action(async (paths: string[], opts: SharedOptions & { year?: number }) => {
    const cfg = commandConfig(opts);
    for (const p of paths) {
      if (p === '-') continue;
      await access(p, constants.R_OK).catch(() => {
        throw new Error(`cannot read ${p}`);
      });
    }
    // One writer at a time: a second import waits for the first; a running serve is named.
    const lock = await lockStore(cfg.db, { role: 'import', waitFor: ['import'], onWait: (_h, msg) => process.stderr.write(`bouncewatch: ${msg}\n`) });
    if (lock.tookOver) process.stderr.write(`bouncewatch: took over the lock of pid ${lock.tookOver.pid}, which is gone\n`);
    process.once('exit', lock.release);
    const store = openStore(cfg.db);
    const started = Date.now();
    const ingest = await Ingest.open(store, { internalNetworks: cfg.internal_networks, localDomains: cfg.local_domains });
    const tty = process.stderr.isTTY;
    let skipped = 0;
    for (const p of paths) {
      const r = await importFile(store, ingest, p, {
        year: opts.year,
        onProgress: tty ? (path, n) => process.stderr.write(`\r${visible(path)}: ${n} lines`) : undefined,
      });
      if (r.skippedBytes > 0) skipped++;
      if (tty) process.stderr.write('\r\x1b[K');
    }
    // The dashboard's hourly rollups of what this import changed, now rather than on its first read.
    await store.refreshRollups();
    const t = ingest.totals;
    const secs = (Date.now() - started) / 1000;
    await store.close();
    lock.release();
    console.log(
      `imported ${t.total} lines from ${paths.length} file(s) in ${secs.toFixed(1)}s: ${t.mail} mail, ` +
        `${t.unknown} not understood${ingest.futureLines > 0 ? ` (${ingest.futureLines} dated more than a day past this machine's clock)` : ''}, ${t.other} other programs` +
        (ingest.blankLines > 0 ? `; ${ingest.blankLines} blank line(s) skipped` : '') +
        (skipped > 0 ? `; ${skipped} file(s) were partly imported before, resumed after that` : ''),
    );
  });

withPeriod(withDatabase(program
  .command('report')
  .description('what accept-then-bounce this server did, and why')))
  .option('--json', 'print one JSON object')
  .action((opts: SharedOptions & PeriodOptions & { json?: boolean }) =>
    withStore(opts, async (store) => {
      const { from, to } = periodFlags(opts);
      const s = await summarize(store, from, to);
      const rejects = opts.json ? [] : await rejectCauses(store, await store.period(from, to));
      console.log(opts.json ? terminalJson(s) : formatReport(s, rejects));
    }));

withPeriod(withDatabase(program
  .command('messages')
  .description('list messages with their recipients, outcome and notifications')))
  .option('--backscatter', 'only messages whose NDR was backscatter')
  .option('--json', 'one JSON object per line')
  .action((opts: SharedOptions & PeriodOptions & { backscatter?: boolean; json?: boolean }) =>
    withStore(opts, async (store) => {
      const { from, to } = periodFlags(opts);
      const p = await store.period(from, to);
      for await (const m of store.messages(p, opts.backscatter ? { backscatter: true } : {})) {
        process.stdout.write(opts.json ? `${terminalJson(m)}\n` : formatMessage(m));
      }
    }));

registerServe(program);
registerAdvise(program);
registerDigest(program);
registerAudit(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`bouncewatch: ${visible((e as Error).message)}\n`);
  process.exit(1);
});
