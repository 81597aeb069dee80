// With no log to follow and no configuration, `serve` shows something real: a demo database
// built from logs a real Postfix and Exim wrote for the project's end-to-end harness (demo/).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_DIR } from '../paths.ts';
import { Ingest } from '../ingest/ingest.ts';
import { importFile } from '../ingest/import-files.ts';
import type { Store } from '../store/store.ts';

export const DEMO_LOGS = ['postfix-mail.log', 'exim-syslog.log'].map((f) => join(DEMO_DIR, f)).filter((p) => existsSync(p));

export async function fillDemo(store: Store, year: number): Promise<number> {
  const ingest = await Ingest.open(store, { internalNetworks: '127.0.0.1/32,::1/128' });
  let lines = 0;
  for (const path of DEMO_LOGS) lines += (await importFile(store, ingest, path, { year })).lines;
  return lines;
}
