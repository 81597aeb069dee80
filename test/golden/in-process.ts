// The golden tests' one door into src: what `bouncewatch import --db <db> [--year Y] <files>`
// followed by `messages --json` and `report --json` print, made in this process with the
// functions src/cli.ts calls. Only this file may touch src internals (the store API changes).
import { commandConfig } from '../../src/cli/options.ts';
import { Ingest } from '../../src/ingest/ingest.ts';
import { importFile } from '../../src/ingest/import-files.ts';
import { summarize } from '../../src/report/summary.ts';
import { terminalJson } from '../../src/report/terminal-text.ts';
import { openStore } from '../../src/store/open.ts';

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
  const store = await openStore(cfg.db);
  try {
    // `import`
    const ingest = await Ingest.open(store, { internalNetworks: cfg.internal_networks, localDomains: cfg.local_domains });
    for (const file of files) await importFile(store, ingest, file, { year: opts.year });
    await store.refreshRollups();
    // `messages --json`: one object a line.
    let messages = '';
    for await (const m of store.messages(await store.period(), {})) messages += `${terminalJson(m)}\n`;
    // `report --json`: console.log of one object.
    const report = `${terminalJson(await summarize(store, undefined, undefined))}\n`;
    return { messages, report };
  } finally {
    await store.close();
  }
}
