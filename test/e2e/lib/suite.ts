// The vitest side of the real-MTA harnesses, for both MTAs: harnessSuite runs a harness (or
// skips it, naming what prerequisites() finds missing; under CI=true that fails instead) and
// checks bouncewatch's reading of each log the run wrote against its truth.json;
// fixtureSuite does the same for a committed copy of such a run (test/fixtures/<mta>-e2e*).
// BW_UPDATE_FIXTURES=1 makes harnessSuite refresh the committed copy.
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTruth, runBouncewatch } from '../check-truth.ts';
import { runHarness } from './harness.ts';
import type { MtaAdapter } from './mta.ts';
import type { Peers } from './peers.ts';
import { prerequisites, SETUP_HINT, type Needs } from './prerequisites.ts';
import type { Truth } from './truth.ts';

/** test/fixtures/<name>: where a harness run is committed. */
export const fixturesDir = (name: string): string =>
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures', name);

/** How one MTA's logs are read back: the files a run writes, and the host each should report. */
export type Reading = Pick<MtaAdapter<Peers>, 'logs' | 'expectedHost'>;

/** Imports `log` (a path) into db and compares bouncewatch's reading with the truth. */
async function expectReading(reading: Reading, truth: Truth, dir: string, log: string, db: string): Promise<void> {
  // Classic syslog lines carry no year: use the year the run was made in.
  const year = new Date(truth.generated_at).getUTCFullYear();
  const result = await runBouncewatch(path.join(dir, log), year, db);
  const host = reading.expectedHost(log, truth);
  expect(checkTruth(truth, result, host === undefined ? {} : { host })).toEqual([]);
}

export interface HarnessRun {
  /** The describe block's title. */
  title: string;
  /** Where BW_UPDATE_FIXTURES=1 copies the run (fixturesDir(...)). */
  fixtures: string;
  adapter: MtaAdapter<Peers>;
}

/**
 * True when the machine has what `needs` names; else one describe block `title` that skips
 * (naming what is missing) or, under CI=true, fails, and false.
 */
export function prerequisitesMet(title: string, label: string, needs: Needs): boolean {
  const missing = prerequisites(needs);
  if (missing.length > 0 && process.env.CI === 'true') {
    // CI runs setup-debian.sh as root first: a missing prerequisite there is a failure, not a skip.
    describe(title, () => {
      it('has its prerequisites in CI', () => {
        throw new Error(`CI=true but ${missing.join(', ')} missing (does .ci/run call test/e2e/setup-debian.sh as root?)`);
      });
    });
    return false;
  }
  if (missing.length > 0) {
    console.warn(`SKIPPED: ${label} end-to-end test needs ${missing.join(', ')} (${SETUP_HINT})`);
    describe(title, () => {
      it.skip(`needs ${missing.join(', ')}`, () => undefined);
    });
    return false;
  }
  return true;
}

/** One describe block per run, each one harness run and a check per log; all skipped if anything is missing. */
export function harnessSuite(runs: HarnessRun[]): void {
  const first = runs[0];
  if (!first || !prerequisitesMet(first.title, first.adapter.label, first.adapter.needs)) return;
  for (const run of runs) describe(run.title, () => harnessChecks(run));
}

function harnessChecks({ fixtures, adapter }: HarnessRun): void {
  let out = '';
  let truth: Truth | null = null;

  beforeAll(async () => {
    out = await mkdtemp(path.join(os.tmpdir(), `bw-e2e-out-${adapter.mta}-`));
    truth = await runHarness(adapter, out);
    if (process.env.BW_UPDATE_FIXTURES === '1') {
      await rm(fixtures, { recursive: true, force: true });
      await mkdir(fixtures, { recursive: true });
      for (const f of await readdir(out)) await copyFile(path.join(out, f), path.join(fixtures, f));
      console.warn(`BW_UPDATE_FIXTURES=1: copied ${out} to ${fixtures}`);
    }
  }, adapter.timeoutMs);

  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  for (const log of adapter.logs) {
    it(`bouncewatch reads ${log} as the scenarios designed`, async () => {
      if (!truth) throw new Error('the harness did not produce a truth file');
      await expectReading(adapter, truth, out, log, path.join(out, `${log}.db`));
    }, 120_000);
  }
}

/**
 * The committed run in `dir` read back as its truth.json says. A missing set is skipped (with
 * a hint at the e2e test that makes it), except under CI=true, where a checkout always has it.
 */
export function fixtureSuite(title: string, dir: string, reading: Reading, makerTest: string): void {
  const present = ['truth.json', ...reading.logs].every((f) => existsSync(path.join(dir, f)));
  if (!present) {
    console.warn(`SKIPPED: no fixtures in ${dir} (BW_UPDATE_FIXTURES=1 and ${makerTest} make them)`);
    describe(title, () => {
      if (process.env.CI === 'true') it('has its fixtures', () => { throw new Error(`no fixtures in ${dir}`); });
      else it.skip(`no fixtures in ${dir} (BW_UPDATE_FIXTURES=1 and ${makerTest} make them)`, () => undefined);
    });
    return;
  }
  const truth = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8')) as Truth;
  describe(title, () => {
    for (const log of reading.logs) {
      it(`bouncewatch reads the committed ${log} as the scenarios designed`, async () => {
        const tmp = await mkdtemp(path.join(os.tmpdir(), 'bw-fixtures-'));
        try {
          await expectReading(reading, truth, dir, log, path.join(tmp, 'bw.db'));
        } finally {
          await rm(tmp, { recursive: true, force: true });
        }
      }, 120_000);
    }
  });
}
