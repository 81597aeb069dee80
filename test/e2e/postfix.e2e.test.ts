// End to end against a real Postfix: runs the harness (real SMTP sessions, real queue, real
// rsyslog files), then checks bouncewatch's reading of both log formats against truth.json.
// Needs root and the packages of test/e2e/setup-debian.sh (skips without them, except under
// CI=true where it fails); BW_UPDATE_FIXTURES=1 refreshes test/fixtures/postfix-e2e/.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPostfixHarness } from './postfix/run.ts';
import { checkTruth, runBouncewatch } from './check-truth.ts';
import type { Truth } from './lib/truth.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/postfix-e2e');
const LOGS = ['mail.log', 'mail-rfc3339.log'] as const;

const missing = [
  process.getuid?.() === 0 ? null : 'root',
  ...['/usr/sbin/postfix', '/usr/sbin/rsyslogd'].map((p) => (existsSync(p) ? null : p)),
].filter((x): x is string => x !== null);

if (missing.length > 0 && process.env.CI === 'true') {
  // CI runs setup-debian.sh as root first: a missing prerequisite there is a failure, not a skip.
  describe('postfix end to end', () => {
    it('has its prerequisites in CI', () => {
      throw new Error(`CI=true but ${missing.join(', ')} missing (does .ci/run call test/e2e/setup-debian.sh as root?)`);
    });
  });
} else if (missing.length > 0) {
  console.warn(`SKIPPED: Postfix end-to-end test needs ${missing.join(', ')} (run test/e2e/setup-debian.sh as root)`);
  describe('postfix end to end', () => {
    it.skip(`needs ${missing.join(', ')}`, () => undefined);
  });
} else {
  describe('postfix end to end', () => {
    let out = '';
    let truth: Truth | null = null;

    beforeAll(async () => {
      out = await mkdtemp(path.join(os.tmpdir(), 'bw-e2e-out-postfix-'));
      truth = await runPostfixHarness(out);
      if (process.env.BW_UPDATE_FIXTURES === '1') {
        await mkdir(FIXTURES, { recursive: true });
        for (const f of await readdir(out)) await copyFile(path.join(out, f), path.join(FIXTURES, f));
        console.warn(`BW_UPDATE_FIXTURES=1: copied ${out} to ${FIXTURES}`);
      }
    }, 240_000);

    afterAll(async () => {
      if (out) await rm(out, { recursive: true, force: true });
    });

    for (const log of LOGS) {
      it(`bouncewatch reads ${log} as the scenarios designed`, async () => {
        if (!truth) throw new Error('the harness did not produce a truth file');
        const year = new Date(truth.generated_at).getUTCFullYear();
        const result = await runBouncewatch(path.join(out, log), year, path.join(out, `${log}.db`));
        expect(checkTruth(truth, result)).toEqual([]);
      }, 120_000);
    }
  });
}
