// End to end against a real Exim 4.96 (Debian's exim4-daemon-light, unpacked beside Postfix by
// test/e2e/setup-debian.sh): runs the harness (real SMTP sessions, real queue, frozen NDRs, the
// mainlog and an rsyslog copy), then checks bouncewatch's reading of both against truth.json.
// Needs root and setup-debian.sh (skips without them, except under CI=true where it fails);
// BW_UPDATE_FIXTURES=1 refreshes test/fixtures/exim-e2e/ and exim-e2e-default-selector/.
// Two runs: the busy-server log_selector with every scenario, then Exim's default log_selector.
// Runs beside the Postfix e2e test (vitest runs files in parallel): the addresses differ, and
// /dev/log, the one shared thing, is taken in turns through lib/e2e-lock.ts (startRsyslog).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runEximHarness, type EximRunOptions } from './exim/run.ts';
import { DEFAULT_SELECTOR_SCENARIOS } from './exim/scenarios.ts';
import { EXIM_BIN, EXIM_USER, mainlogHost } from './exim/topology.ts';
import { checkTruth, runBouncewatch } from './check-truth.ts';
import type { Truth } from './lib/truth.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/exim-e2e');
const FIXTURES_DEFAULT_SELECTOR = `${FIXTURES}-default-selector`;
const LOGS = ['mainlog', 'exim-syslog.log'] as const;

const hasUser = (name: string): boolean =>
  (existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8') : '').split('\n').some((l) => l.startsWith(`${name}:`));

const missing = [
  process.getuid?.() === 0 ? null : 'root',
  ...[EXIM_BIN, '/usr/sbin/rsyslogd'].map((p) => (existsSync(p) ? null : p)),
  hasUser(EXIM_USER) ? null : `user ${EXIM_USER}`,
].filter((x): x is string => x !== null);

if (missing.length > 0 && process.env.CI === 'true') {
  // CI runs setup-debian.sh as root first: a missing prerequisite there is a failure, not a skip.
  describe('exim end to end', () => {
    it('has its prerequisites in CI', () => {
      throw new Error(`CI=true but ${missing.join(', ')} missing (does .ci/run call test/e2e/setup-debian.sh as root?)`);
    });
  });
} else if (missing.length > 0) {
  console.warn(`SKIPPED: Exim end-to-end test needs ${missing.join(', ')} (run test/e2e/setup-debian.sh as root)`);
  describe('exim end to end', () => {
    it.skip(`needs ${missing.join(', ')}`, () => undefined);
  });
} else {
  /**
   * One harness run and its checks. `fixtures` is where BW_UPDATE_FIXTURES=1 copies the run.
   * The second run uses Exim's default log_selector (no recipients on arrival) with the
   * scenarios it changes the reading of, and a few plain ones beside them.
   */
  const run = (name: string, fixtures: string, opts: EximRunOptions) => describe(name, () => {
    let out = '';
    let truth: Truth | null = null;

    beforeAll(async () => {
      out = await mkdtemp(path.join(os.tmpdir(), 'bw-e2e-out-exim-'));
      truth = await runEximHarness(out, opts);
      if (process.env.BW_UPDATE_FIXTURES === '1') {
        await rm(fixtures, { recursive: true, force: true });
        await mkdir(fixtures, { recursive: true });
        for (const f of await readdir(out)) await copyFile(path.join(out, f), path.join(fixtures, f));
        console.warn(`BW_UPDATE_FIXTURES=1: copied ${out} to ${fixtures}`);
      }
    }, 300_000);

    afterAll(async () => {
      if (out) await rm(out, { recursive: true, force: true });
    });

    for (const log of LOGS) {
      it(`bouncewatch reads ${log} as the scenarios designed`, async () => {
        if (!truth) throw new Error('the harness did not produce a truth file');
        const year = new Date(truth.generated_at).getUTCFullYear();
        const result = await runBouncewatch(path.join(out, log), year, path.join(out, `${log}.db`));
        // The syslog copy carries rsyslog's host field; the mainlog names no host.
        const host = log === 'mainlog' ? mainlogHost() : truth.hostname;
        expect(checkTruth(truth, result, { host })).toEqual([]);
      }, 120_000);
    }
  });

  run('exim end to end', FIXTURES, {});
  run('exim end to end, default log_selector', FIXTURES_DEFAULT_SELECTOR, { logSelector: null, only: DEFAULT_SELECTOR_SCENARIOS });
}
