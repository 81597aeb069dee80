// The golden tests' one door into src: what `bouncewatch import --db <db> [--year Y] <files>`
// followed by `messages --json` and `report --json` print, made in this process with the
// functions src/cli.ts calls. Only this file may touch src internals (the store API changes).
import { commandConfig } from '../../src/cli/options.ts';
import { Ingest } from '../../src/ingest/ingest.ts';
import { importFile } from '../../src/ingest/import-files.ts';
import { summarize } from '../../src/report/summary.ts';
import { terminalJson } from '../../src/report/terminal-text.ts';
import { openDb } from '../../src/store/db.ts';
import { listMessages, resolvePeriod } from '../../src/store/queries.ts';
import { refreshRollups } from '../../src/store/rollups.ts';

export interface ImportOptions {
  /** `--year`. */
  year?: number;
}

/** The stdout of `messages --json` and of `report --json`, byte for byte. */
export interface Printed {
  messages: string;
  report: string;
}

export async function importAndRead(files: readonly string[], opts: ImportOptions = {}): Promise<Printed> {
  // As `import --db :memory:`: the defaults, the config file and the environment, as the CLI reads them.
  const cfg = commandConfig({ db: ':memory:' });
  const db = openDb(cfg.db);
  try {
    // `import`
    const ingest = new Ingest(db, { internalNetworks: cfg.internal_networks, localDomains: cfg.local_domains });
    for (const file of files) await importFile(db, ingest, file, { year: opts.year });
    refreshRollups(db);
    // `messages --json`: one object a line.
    let messages = '';
    for (const m of listMessages(db, resolvePeriod(db, undefined, undefined), {})) messages += `${terminalJson(m)}\n`;
    // `report --json`: console.log of one object.
    const report = `${terminalJson(summarize(db, undefined, undefined))}\n`;
    return { messages, report };
  } finally {
    db.close();
  }
}
