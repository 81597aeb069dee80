// Replays the committed Exim end-to-end fixtures (test/fixtures/exim-e2e/ and
// exim-e2e-default-selector/, produced by the real-Exim harness) through bouncewatch and
// checks them against their truth.json.
// Runs anywhere: no root, no Exim.
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkTruth, runBouncewatch } from './check-truth.ts';
import { mainlogHost } from './exim/topology.ts';
import type { Truth } from './lib/truth.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// The busy-server log_selector run and the run with Exim's default log_selector.
const DIRS = ['exim-e2e', 'exim-e2e-default-selector'].map((d) => path.resolve(HERE, '../fixtures', d));
const LOGS = ['mainlog', 'exim-syslog.log'] as const;

for (const dir of DIRS) {
  const name = `exim fixtures (${path.basename(dir)})`;
  const present = ['truth.json', ...LOGS].every((f) => existsSync(path.join(dir, f)));
  if (!present) {
    // A CI checkout always has them: a missing set there is a failure, not a skip.
    describe(name, () => {
      if (process.env.CI === 'true') it('has its fixtures', () => { throw new Error(`no fixtures in ${dir}`); });
      else it.skip(`no fixtures in ${dir} (BW_UPDATE_FIXTURES=1 and test/e2e/exim.e2e.test.ts make them)`, () => undefined);
    });
    continue;
  }
  const truth = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8')) as Truth;
  // Classic syslog lines carry no year: use the year the fixtures were made in.
  const year = new Date(truth.generated_at).getUTCFullYear();

  describe(name, () => {
    for (const log of LOGS) {
      it(`bouncewatch reads the committed ${log} as the scenarios designed`, async () => {
        const tmp = await mkdtemp(path.join(os.tmpdir(), 'bw-fixtures-'));
        try {
          const result = await runBouncewatch(path.join(dir, log), year, path.join(tmp, 'bw.db'));
          // The mainlog names no host: bouncewatch uses this machine's (truth.mainlog_host
          // records the machine that wrote it).
          const host = log === 'mainlog' ? mainlogHost() : truth.hostname;
          expect(checkTruth(truth, result, { host })).toEqual([]);
        } finally {
          await rm(tmp, { recursive: true, force: true });
        }
      }, 120_000);
    }
  });
}
