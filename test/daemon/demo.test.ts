// `serve` with no log and no configuration serves a demo database built from demo/ (product
// data, not the test tree): its summary equals an import of those files.
// It runs on any machine, one with a mail log or a journal too: BOUNCEWATCH_TEST_USUAL_LOGS
// (tests only; empty: no usual files) replaces the list of usual files, and a `journalctl` first
// on PATH that finds no mail entry stands for the journal.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cliOk } from '../cli/run-cli.ts';
import { BIN, freePort, logEntries, startServe, stopClean } from './lib/serve-process.ts';

const DEMO = fileURLToPath(new URL('../../demo/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bw-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The serve process inherits this environment: none of the caller's BOUNCEWATCH_* settings, no
// usual file, and a journal with no mail.
for (const k of Object.keys(process.env)) if (k.startsWith('BOUNCEWATCH_')) delete process.env[k];
process.env.BOUNCEWATCH_TEST_USUAL_LOGS = '';
mkdirSync(join(dir, 'bin'));
writeFileSync(join(dir, 'bin', 'journalctl'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
process.env.PATH = `${join(dir, 'bin')}:${process.env.PATH ?? ''}`;

describe('serve with nothing to follow', () => {
  it('serves the demo built from demo/, and says so', async () => {
    const port = await freePort();
    const run = startServe(BIN, join(dir, 'bw.db'), [], port, []);
    try {
      expect(await run.serving, run.out()).toBe(true);
      const api = (await (await fetch(`http://127.0.0.1:${port}/api/summary`)).json()) as { accepted: number; backscatter: number };
      const year = String(new Date().getFullYear());
      const ref = join(dir, 'ref.db');
      cliOk(['import', '--db', ref, '--year', year, join(DEMO, 'postfix-mail.log'), join(DEMO, 'exim-syslog.log')]);
      const want = JSON.parse(cliOk(['report', '--db', ref, '--json'])) as { accepted: number; backscatter: number };
      expect(want.accepted).toBeGreaterThan(50);
      expect(api.accepted).toBe(want.accepted);
      expect(api.backscatter).toBe(want.backscatter);
      expect(existsSync(join(dir, 'bw-demo.db'))).toBe(true);
      const filled = logEntries(run).find((e) => e.msg === 'demo database filled') as { files?: string[] } | undefined;
      expect(filled?.files?.every((f) => f.startsWith(DEMO.replace(/\/$/, '')))).toBe(true);
    } finally {
      await stopClean(run);
    }
  }, 60_000);
});
