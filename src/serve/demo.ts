// With no log to follow and no configuration, `serve` shows something real: a demo database
// built from the logs the project's own end-to-end harness recorded from a real Postfix/Exim.
import { existsSync } from 'node:fs';
import { FIXTURES_DIR } from '../paths.ts';
import { Ingest } from '../ingest/ingest.ts';
import { importFile } from '../ingest/import-files.ts';
import type { Db } from '../store/db.ts';

const FIXTURES = `${FIXTURES_DIR}/`;
export const DEMO_LOGS = ['postfix-e2e/mail.log', 'exim-e2e/exim-syslog.log'].map((f) => FIXTURES + f).filter((p) => existsSync(p));

export async function fillDemo(db: Db, year: number): Promise<number> {
  const ingest = new Ingest(db, { internalNetworks: '127.0.0.1/32,::1/128' });
  let lines = 0;
  for (const path of DEMO_LOGS) lines += (await importFile(db, ingest, path, { year })).lines;
  return lines;
}
