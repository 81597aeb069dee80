// The service as an operator meets it: a second instance on the same database is refused
// with a clear message, bad configuration stops start-up naming the key, SIGTERM commits and
// exits 0, and /healthz answers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli, cliOk } from '../cli/run-cli.ts';

const BIN = fileURLToPath(new URL('../../bin/bouncewatch.js', import.meta.url));
const SOURCE = fileURLToPath(new URL('../fixtures/postfix-e2e/mail.log', import.meta.url));

function serve(args: string[]): { p: ChildProcess; out: () => string; listening: Promise<string> } {
  const p = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listening = new Promise<string>((resolve, reject) => {
    p.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('bouncewatch serving')) resolve(out);
    });
    p.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    p.once('exit', () => reject(new Error(`serve exited: ${out}`)));
  });
  return { p, out: () => out, listening };
}

const exited = (p: ChildProcess) => new Promise<number | null>((r) => p.once('exit', (code) => r(code)));

describe('bouncewatch serve', () => {
  it('refuses a second instance on the same database, answers /healthz, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-serve-'));
    const log = join(dir, 'mail.log');
    const db = join(dir, 'bw.db');
    const lines = readFileSync(SOURCE, 'utf8').split('\n').filter(Boolean);
    writeFileSync(log, lines.slice(0, 100).map((l) => `${l}\n`).join(''));
    const port = 20000 + (process.pid % 20000);
    const first = serve(['--db', db, '--log', log, '--listen', `127.0.0.1:${port}`, '--batch-ms', '20', '--poll-ms', '20']);
    await first.listening;

    const second = cli(['serve', '--db', db, '--log', log, '--listen', `127.0.0.1:${port + 1}`]);
    expect(second.status).not.toBe(0);
    expect(second.stderr).toMatch(/bouncewatch serve \(pid \d+\) is writing to .*bw\.db/);

    appendFileSync(log, lines.slice(100).map((l) => `${l}\n`).join(''));
    let health: { status: string; lines_read: number } = { status: '', lines_read: 0 };
    for (let i = 0; i < 100 && health.lines_read < lines.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
      health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as typeof health;
    }
    expect(health).toMatchObject({ status: 'ok', lines_read: lines.length });

    const code = exited(first.p);
    first.p.kill('SIGTERM');
    expect(await code).toBe(0);
    expect(first.out()).toContain('stopped cleanly');
    const report = JSON.parse(cliOk(['report', '--db', db, '--json'])) as { lines: { total: number } };
    expect(report.lines.total).toBe(lines.length);
  }, 60_000);

  it('stops at start-up on bad configuration, naming the key and where it came from', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-cfg-'));
    const cfg = join(dir, 'bw.json');
    writeFileSync(cfg, JSON.stringify({ retention_days: 0 }));
    let r = cli(['serve', '--config', cfg]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/config key "retention_days" \(from config file .*bw\.json\): .*>=1/);
    r = cli(['serve', '--listen', '0.0.0.0:9825', '--db', join(dir, 'x.db')]);
    expect(r.stderr).toMatch(/config key "listen" \(0\.0\.0\.0:9825\) is not a loopback address: set "token"/);
    // Alerts: a bad value, and a channel that cannot work, stop start-up naming the key.
    writeFileSync(cfg, JSON.stringify({ alert_webhook_url: 'ftp://hooks.example.test/x' }));
    expect(cli(['serve', '--config', cfg, '--db', join(dir, 'x.db')]).stderr).toMatch(/config key "alert_webhook_url" \(from config file .*\): must be an http:\/\/ or https:\/\/ URL/);
    writeFileSync(cfg, JSON.stringify({ alert_rules: ['backscatter', 'sunspots'] }));
    expect(cli(['serve', '--config', cfg, '--db', join(dir, 'x.db')]).stderr).toMatch(/config key "alert_rules" \(from config file .*\)/);
    writeFileSync(cfg, JSON.stringify({ alert_transport: 'smtp://127.0.0.1:2525' }));
    expect(cli(['serve', '--config', cfg, '--db', join(dir, 'x.db')]).stderr).toMatch(/config key "alert_transport" is set but "alert_email_to" is not/);
    writeFileSync(cfg, JSON.stringify({ alert_email_to: ['ops@example.test'], alert_transport: 'smtp://user:pw@127.0.0.1:2525' }));
    expect(cli(['serve', '--config', cfg, '--db', join(dir, 'x.db')]).stderr).toMatch(/config key "alert_transport": .*only smtp:\/\/HOST:PORT is supported/);
    expect(spawnSync(process.execPath, [BIN, 'serve', '--db', join(dir, 'x.db')], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, BOUNCEWATCH_ALERT_BACKSCATTER_PERCENT: '150' } }).stderr)
      .toMatch(/config key "alert_backscatter_percent" \(from environment BOUNCEWATCH_ALERT_BACKSCATTER_PERCENT\)/);
    // A missing log is waited for, an unreadable one stops start-up: test/daemon/start-up.test.ts.
    writeFileSync(cfg, '{ "retention_days": 30, ');
    expect(cli(['config', 'print', '--config', cfg]).stderr).toMatch(/is not valid JSON/);
  });

  it('prints the effective configuration: file < environment < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-cfg-'));
    const cfg = join(dir, 'bw.json');
    writeFileSync(cfg, JSON.stringify({ retention_days: 30, batch_ms: 100, poll_ms: 100 }));
    const r = spawnPrint(['config', 'print', '--config', cfg, '--poll-ms', '50'], { BOUNCEWATCH_BATCH_MS: '200', BOUNCEWATCH_POLL_MS: '70' });
    expect(r).toMatchObject({ retention_days: 30, batch_ms: 200, poll_ms: 50, listen: '127.0.0.1:9825' });
  });
});

function spawnPrint(args: string[], env: Record<string, string>): Record<string, unknown> {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('the documented example configuration', () => {
  it('is valid', async () => {
    const { loadConfig } = await import('../../src/config/load.ts');
    const file = fileURLToPath(new URL('../../contrib/bouncewatch.example.json', import.meta.url));
    expect(loadConfig({ file, env: {} })).toMatchObject({ retention_days: 90, local_domains: ['example.org'] });
  });
});
