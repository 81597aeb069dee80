// `serve --log -`: standard input as the followed log, as `docker logs -f postfix | bouncewatch
// serve --log -` gives it. The lines a real Postfix wrote in the e2e harness are written into
// serve's stdin in parts; every line is counted once and every message is as the harness's
// truth.json says. End of input leaves the dashboard up.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTruth, readBouncewatch } from '../e2e/check-truth.ts';
import type { Truth } from '../e2e/lib/truth.ts';
import { cliEntry } from './lib/cli-entry.ts';
import { freePort, runCli } from './lib/serve-process.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/postfix-e2e');
const lines = readFileSync(join(FIXTURE, 'mail-rfc3339.log'), 'utf8').split('\n').filter((l) => l !== '');
const dir = mkdtempSync(join(tmpdir(), 'bw-stdin-'));
let entry = '';
let dispose = () => undefined as void;

beforeAll(async () => {
  ({ entry, dispose } = await cliEntry());
}, 120_000);
afterAll(() => {
  dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function linesRead(port: number): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
  return r?.ok ? ((await r.json()) as { lines_read: number }).lines_read : -1;
}

describe('serve --log -', { timeout: 120_000 }, () => {
  it('reads standard input to its end, each line once, each message as the harness sent it', async () => {
    const db = join(dir, 'stdin.db');
    const port = await freePort();
    const child = spawn(process.execPath, [entry, 'serve', '--log', '-', '--db', db, '--listen', `127.0.0.1:${port}`,
      '--batch-lines', '50', '--batch-ms', '20', '--poll-ms', '20'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const until = (ok: () => Promise<boolean> | boolean, what: string) => new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const tick = async () => {
        if (await ok()) return resolve();
        if (Date.now() - started > 60_000) return reject(new Error(`timed out waiting for ${what}\n${out}`));
        setTimeout(() => void tick(), 50);
      };
      void tick();
    });
    await until(() => out.includes('bouncewatch serving'), 'serve to start');
    // In three parts, the last one cut inside a line: the rest of that line comes later.
    const text = lines.map((l) => `${l}\n`).join('');
    const cuts = [0, Math.floor(text.length / 3), Math.floor(text.length / 2) + 7, text.length];
    for (let i = 0; i + 1 < cuts.length; i++) {
      child.stdin.write(text.slice(cuts[i], cuts[i + 1]));
      await new Promise((r) => setTimeout(r, 200));
    }
    child.stdin.end();
    await until(async () => (await linesRead(port)) === lines.length, 'serve to read every line');
    await until(() => out.includes('standard input ended'), 'the end of input to be told');
    // Still serving after the end of its input.
    expect(await linesRead(port)).toBe(lines.length);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const counted = JSON.parse(await runCli(entry, ['report', '--db', db, '--json'])) as { lines: { total: number } };
    expect(counted.lines.total).toBe(lines.length);
    const report = await readBouncewatch(db);
    const truth = JSON.parse(readFileSync(join(FIXTURE, 'truth.json'), 'utf8')) as Truth;
    expect(checkTruth(truth, report)).toEqual([]);
  });
});
