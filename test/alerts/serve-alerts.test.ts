// Alerts end to end: a real Postfix (burst-postfix.ts) takes a burst of forged mail to unknown
// users while `serve` follows its log live. The webhook (a real HTTP receiver) gets a signed
// firing call per rule that holds, timed from the first NDR line; the email channel points at
// an SMTP port where nothing listens yet: it fails, is retried with backoff while reading goes
// on (/healthz, /metrics say so), and delivers once a real SMTP server comes up. When the
// window has passed, every alert resolves on both channels. A second serve reading the same log
// as history fires nothing. Expected alerts come from what the harness sent.
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedSmtpServer } from '../e2e/lib/smtp-server.ts';
import { cliEntry } from '../daemon/lib/cli-entry.ts';
import { freePort, killHard, runCli, startServe, stopClean, type ServeRun } from '../daemon/lib/serve-process.ts';
import { startBurstPostfix, type BurstPostfix, type Sent } from './burst-postfix.ts';
import { postfixMissing } from './postfix-missing.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const SECRET = 'serve-alerts-secret-0123456789';
const REFUSES = 'refuses.example';
const TO = 'postmaster@ops.example.test';
const missing = postfixMissing();

let dir = '';
let entry: Awaited<ReturnType<typeof cliEntry>> | undefined;
let mta: BurstPostfix | undefined;
let hook: Receiver | undefined;
let smtp: ScriptedSmtpServer | undefined;
const serves: ServeRun[] = [];

afterAll(async () => {
  for (const s of serves) await killHard(s);
  await mta?.stop();
  await hook?.close();
  await smtp?.close();
  entry?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function json<T>(port: number, p: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${p}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

interface Health {
  lines_read: number;
  alerts: { firing: number; channels: { channel: string; sent: number; failed: number; pending: number; last_error: string | null }[] } | null;
}

const keyOf = (r: { body: { status: string; alert: { rule: string; key: string } } }) => `${r.body.status} ${r.body.alert.rule} ${r.body.alert.key}`;

describe.skipIf(missing !== null)('alerts from a live serve on a real Postfix burst', () => {
  let port = 0;
  let smtpPort = 0;
  let config = '';
  let legit: Sent[] = [];
  let forged: Sent[] = [];
  let expected: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bw-serve-alerts-'));
    chmodSync(dir, 0o755);
    mkdirSync(path.join(dir, 'pf'));
    entry = await cliEntry();
    mta = await startBurstPostfix(path.join(dir, 'pf'), { refuseDomains: [REFUSES] });
    hook = await startReceiver();
    smtpPort = await freePort();
    port = await freePort();
    config = path.join(dir, 'bw.json');
    writeFileSync(config, JSON.stringify({
      internal_networks: '127.0.0.1/32',
      alert_window_minutes: 1,
      alert_backscatter_ndrs: 5,
      alert_backscatter_percent: 10,
      alert_refused_ndrs: 2,
      alert_new_source_ndrs: 5,
      alert_scan_rejects: 1000,
      alert_cooldown_minutes: 30,
      alert_webhook_url: hook.url,
      alert_webhook_secret: SECRET,
      alert_email_to: [TO],
      alert_email_from: 'bouncewatch@mx.example.test',
      alert_transport: `smtp://127.0.0.1:${smtpPort}`,
      alert_dashboard_url: 'https://dash.example.test/',
    }));
  }, 60_000);

  it('fires on the burst within seconds of its first NDR line, on the webhook at once, by email once SMTP is up', async () => {
    const serve = startServe(entry!.entry, path.join(dir, 'live.db'), [mta!.maillog], port, ['--config', config, '--batch-ms', '100', '--poll-ms', '100']);
    serves.push(serve);
    expect(await serve.serving).toBe(true);
    legit = await mta!.sendLegit({ count: 3, senderDomains: ['news.example'] });
    forged = await mta!.sendBurst({ count: 8, senderDomains: ['victim-a.example', 'victim-b.example', 'victim-c.example', REFUSES], concurrency: 4 });
    const refused = forged.filter((s) => s.sender.endsWith(`@${REFUSES}`)).length;
    expect(refused).toBe(2);
    const firstNdr = await mta!.awaitLog(/sender non-delivery notification/);
    expected = ['backscatter mx', 'refused_ndrs mx', 'new_source client:127.0.0.0/24', 'new_source domain:bw-alerts.test'];
    await hook!.waitFor((r) => expected.every((k) => r.some((x) => keyOf(x) === `firing ${k}`)), 30_000);
    const backscatter = hook!.received.find((r) => keyOf(r) === 'firing backscatter mx')!;
    console.log(`alert latency, first NDR line -> webhook: ${backscatter.at - firstNdr.at} ms`);
    expect(backscatter.body.alert.value).toBeGreaterThanOrEqual(5);
    expect(hook!.received.map(keyOf).sort()).toEqual(expected.map((k) => `firing ${k}`).sort());
    for (const r of hook!.received) {
      const ts = String(r.headers['x-bouncewatch-timestamp']);
      expect(r.headers['x-bouncewatch-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(`${ts}.${r.raw}`).digest('hex')}`);
      expect(r.body.alert.link).toMatch(/^https:\/\/dash\.example\.test\/(messages|sources)\.html\?/);
    }
    // Once every line is in, the counts are the harness's.
    await mta!.awaitNdrs(forged);
    await mta!.awaitQueueEmpty();

    // The email channel cannot connect: retried, said in /healthz and /metrics, reading goes on.
    await expect.poll(async () => (await json<Health>(port, '/healthz')).alerts!.channels.find((c) => c.channel === 'email')!.failed,
      { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    const h = await json<Health>(port, '/healthz');
    const email = h.alerts!.channels.find((c) => c.channel === 'email')!;
    expect(email.last_error).toMatch(/ECONNREFUSED|connect/i);
    expect(email.pending).toBe(expected.length);
    expect(h.alerts!.firing).toBe(expected.length);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^bouncewatch_alert_notifications_total\{channel="email",result="failed"\} [1-9]/m);
    expect(metrics).toMatch(new RegExp(`^bouncewatch_alert_notifications_total\\{channel="webhook",result="sent"\\} ${expected.length}$`, 'm'));
    expect(metrics).toMatch(new RegExp(`^bouncewatch_alerts_firing ${expected.length}$`, 'm'));
    const more = await mta!.sendLegit({ count: 2, senderDomains: ['news.example'] });
    legit.push(...more);
    await expect.poll(async () => (await json<{ total: number }>(port, '/api/messages?limit=1')).total, { timeout: 10_000 })
      .toBe(legit.length + forged.length);

    // SMTP comes up: the queued firing mails go out (backoff: 5 s, 10 s, ...).
    smtp = new ScriptedSmtpServer('alert-sink', { hostname: 'sink.example.test', keepData: true });
    await smtp.listen('127.0.0.1', smtpPort);
    await expect.poll(() => smtp!.transactions.filter((t) => t.data !== null).length, { timeout: 60_000, interval: 500 }).toBe(expected.length);
    for (const t of smtp.transactions) {
      expect(t.rcpts.map((r) => r.address)).toEqual([TO]);
      expect(t.data).toMatch(/^Subject: \[bouncewatch\] FIRING: /m);
      expect(t.data).toMatch(/^Auto-Submitted: auto-generated/m);
    }
  }, 180_000);

  it('resolves every alert on both channels once the window has passed, and lists them', async () => {
    await hook!.waitFor((r) => r.filter((x) => x.body.status === 'resolved').length >= expected.length, 150_000);
    expect(hook!.received.filter((x) => x.body.status === 'resolved').map(keyOf).sort()).toEqual(expected.map((k) => `resolved ${k}`).sort());
    await expect.poll(() => smtp!.transactions.filter((t) => /^Subject: \[bouncewatch\] RESOLVED: /m.test(t.data ?? '')).length,
      { timeout: 30_000, interval: 500 }).toBe(expected.length);
    const api = await json<{ items: { rule: string; key: string; state: string }[] }>(port, '/api/alerts');
    expect(api.items.map((a) => `${a.state} ${a.rule} ${a.key}`).sort()).toEqual(expected.map((k) => `resolved ${k}`).sort());
    expect(await stopClean(serves[0]!)).toBe(0);
    const listed = JSON.parse(await runCli(entry!.entry, ['alerts', '--db', path.join(dir, 'live.db'), '--json'])) as { items: { rule: string; key: string; state: string; link: string }[] };
    expect(listed.items.map((a) => `${a.state} ${a.rule} ${a.key}`).sort()).toEqual(expected.map((k) => `resolved ${k}`).sort());
  }, 200_000);

  it('alerts test sends a test notification on every channel and says what each did', async () => {
    const before = hook!.received.length;
    const mails = smtp!.transactions.length;
    const out = await runCli(entry!.entry, ['alerts', 'test', '--config', config]);
    expect(out).toMatch(/^webhook http:\/\/127\.0\.0\.1:\d+\/…: sent$/m);
    expect(out).toMatch(new RegExp(`^email ${TO} by smtp://127\\.0\\.0\\.1:${smtpPort}: sent$`, 'm'));
    expect(hook!.received.length).toBe(before + 1);
    expect(hook!.received.at(-1)!.body.status).toBe('test');
    expect(smtp!.transactions.length).toBe(mails + 1);
    // A channel that fails: exit 1, naming it.
    await smtp!.close();
    smtp = undefined;
    const failed = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(process.execPath, [entry!.entry, 'alerts', 'test', '--config', config], (err, stdout) => resolve({ code: err ? (err.code as number) : 0, stdout }));
    });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^webhook .*: sent$/m);
    expect(failed.stdout).toMatch(new RegExp(`^email ${TO} by smtp://127\\.0\\.0\\.1:${smtpPort}: FAILED: sending an alert by smtp://127\\.0\\.0\\.1:${smtpPort} failed: .*ECONNREFUSED`, 'm'));
  }, 60_000);

  it('a serve reading the same log as history (older than the window) fires nothing', async () => {
    const seen = hook!.received.length;
    const serve = startServe(entry!.entry, path.join(dir, 'history.db'), [mta!.maillog], port, ['--config', config, '--batch-ms', '100', '--poll-ms', '100']);
    serves.push(serve);
    expect(await serve.serving).toBe(true);
    await expect.poll(async () => (await json<{ total: number }>(port, '/api/messages?limit=1')).total, { timeout: 20_000 }).toBe(legit.length + forged.length);
    // Several evaluations' time: each commit asks for one, and one runs every 30 s.
    await new Promise((r) => setTimeout(r, 4000));
    expect((await json<{ items: unknown[] }>(port, '/api/alerts')).items).toEqual([]);
    expect(hook!.received.length).toBe(seen);
    expect(await stopClean(serve)).toBe(0);
  }, 60_000);
});
