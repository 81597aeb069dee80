// The alert engine on real traffic: a real Postfix (burst-postfix.ts) takes legitimate mail, two
// bursts of forged mail to unknown users (accepted, bounced: backscatter; one forged domain's
// server refuses its NDRs) and a dictionary scan; its log is imported into SQLite and
// PostgreSQL, and the engine judges windows of it. What must fire comes from what the harness
// sent, never from bouncewatch: counts per rule, which source is new, and the webhook calls (a
// real HTTP receiver), once each, signed, with hostile-free text, also with two engines at once.
import { createHmac } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertEngine } from '../../src/alerts/engine.ts';
import type { RuleSettings } from '../../src/alerts/rules.ts';
import { WebhookChannel } from '../../src/alerts/webhook.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { stopBackends, testBackends } from '../lib/backends.ts';
import { importInto } from '../lib/store.ts';
import { cliEntry } from '../daemon/lib/cli-entry.ts';
import { runCli } from '../daemon/lib/serve-process.ts';
import { postfixMissing } from './postfix-missing.ts';
import { startBurstPostfix, type BurstPostfix, type Sent } from './burst-postfix.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const SECRET = 'engine-test-secret-0123456789';
const REFUSES = 'refuses.example';
const SCAN_IP = '127.0.0.3';
const SCAN_PROBES = 25;
const missing = postfixMissing();

interface Truth {
  legit: Sent[];
  a: Sent[];
  b: Sent[];
  scan: string[];
  /** Log times (ms) of the last line of phase A, and of the whole log. */
  aEnd: number;
  end: number;
  start: number;
  log: string;
}

/** A syslog time ("Dec  3 21:30:01") in this year, local time, as Postfix wrote it. */
function logTime(line: string): number {
  const m = /^([A-Z][a-z]{2}) +(\d+) (\d\d):(\d\d):(\d\d)/.exec(line);
  if (!m) throw new Error(`no time in ${line}`);
  const month = 'JanFebMarAprMayJunJulAugSepOctNovDec'.indexOf(m[1]!) / 3;
  return new Date(new Date().getFullYear(), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])).getTime();
}

let dir = '';
let mta: BurstPostfix | undefined;
let truth: Truth;

beforeAll(async () => {
  if (missing) return;
  dir = mkdtempSync(path.join(tmpdir(), 'bw-alert-engine-'));
  chmodSync(dir, 0o755);
  mkdirSync(path.join(dir, 'pf'));
  mta = await startBurstPostfix(path.join(dir, 'pf'), { refuseDomains: [REFUSES] });
  const legit = await mta.sendLegit({ count: 3, senderDomains: ['news.example'] });
  const a = await mta.sendBurst({ count: 6, senderDomains: ['victim-a.example', REFUSES], concurrency: 3 });
  await mta.awaitNdrs(a);
  await mta.awaitQueueEmpty();
  const aEnd = logTime((await mta.readMaillog()).trimEnd().split('\n').at(-1)!);
  // Phase B starts at least 3 s of log time after A's last line: a window can hold B alone.
  await new Promise((r) => setTimeout(r, 3500 - (Date.now() - aEnd - 1000)));
  const b = await mta.sendBurst({ count: 6, senderDomains: ['victim-b.example', REFUSES], concurrency: 3 });
  const scan = await mta.sendScan({ count: SCAN_PROBES, clientIp: SCAN_IP });
  await mta.awaitNdrs(b);
  await mta.awaitQueueEmpty();
  await mta.stop();
  const log = path.join(dir, 'maillog');
  const text = await mta.readMaillog();
  writeFileSync(log, text);
  const lines = text.trimEnd().split('\n');
  truth = { legit, a, b, scan, aEnd, end: logTime(lines.at(-1)!), start: logTime(lines[0]!), log };
  expect(logTime(text.split('\n').find((l) => l.includes(b[0]!.queueId!))!)).toBeGreaterThan(aEnd + 1000);
}, 120_000);

afterAll(async () => {
  await mta?.stop();
  await stopBackends();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const quiet = pino({ level: 'silent' });
const domainOf = (s: Sent) => s.sender.split('@')[1]!;

function settings(over: Partial<RuleSettings> = {}): RuleSettings {
  return {
    rules: ['backscatter', 'new_source', 'scan', 'refused_ndrs'], windowMs: 10 * 60_000, backscatterNdrs: 10, backscatterPercent: 50,
    newSourceNdrs: 5, newSourceDays: 7, scanRejects: 20, refusedNdrs: 3, ...over,
  };
}

function engine(store: Store, hook: Receiver, over: Partial<RuleSettings> = {}, cooldownMs = 30 * 60_000): AlertEngine {
  return new AlertEngine(store, {
    settings: settings(over), cooldownMs, dashboardUrl: 'https://dash.example.test/bw/', log: quiet,
    channels: [new WebhookChannel(hook.url, SECRET)], notifier: { baseMs: 100 },
  });
}

/** Waits until no webhook call came for 600 ms (every earlier engine's notifications are in). */
async function settle(hook: Receiver): Promise<number> {
  for (let n = -1; n !== hook.received.length;) {
    n = hook.received.length;
    await new Promise((r) => setTimeout(r, 600));
  }
  return hook.received.length;
}

const sig = (ts: string, body: string) => `sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`;

describe.skipIf(missing !== null)('alert engine on a real Postfix burst', () => {
  for (const backend of testBackends()) {
    describe(backend.name, () => {
      let store: Store;
      let hook: Receiver;
      beforeAll(async () => {
        store = await openStore(await backend.location('alerts-engine'), { agent: 'mx' });
        await importInto(store, [truth.log]);
        hook = await startReceiver();
      }, 60_000);
      afterAll(async () => {
        await hook?.close();
        await store?.close();
      });

      it('fires each rule once, with the counts the harness sent, and resolves when the window has passed', async () => {
        const forged = [...truth.a, ...truth.b];
        const refused = forged.filter((s) => domainOf(s) === REFUSES).length;
        const e = engine(store, hook);
        const end = truth.end + 1000;
        await e.evaluate(end);
        await e.evaluate(end); // again: nothing new
        const firing = await store.alerts({ state: 'firing' });
        const got = Object.fromEntries(firing.map((a) => [`${a.rule} ${a.key}`, a.value]));
        expect(got).toEqual({
          'backscatter mx': forged.length,
          'refused_ndrs mx': refused,
          [`scan ${SCAN_IP}`]: SCAN_PROBES,
          'new_source client:127.0.0.0/24': forged.length,
          'new_source domain:bw-alerts.test': forged.length,
        });
        const share = Math.round((1000 * forged.length) / (forged.length + truth.legit.length)) / 10;
        expect(firing.find((a) => a.rule === 'backscatter')!.title).toBe(
          `Backscatter on mx: ${forged.length} NDRs to forged senders in the last 10 min (${share}% of ${forged.length + truth.legit.length} accepted messages)`);
        await hook.waitFor((r) => r.length >= 5);
        await new Promise((r) => setTimeout(r, 300));
        expect(hook.received.map((r) => `${r.body.status} ${r.body.alert.rule} ${r.body.alert.key}`).sort()).toEqual(
          Object.keys(got).map((k) => `firing ${k}`).sort());
        for (const r of hook.received) {
          expect(r.headers['x-bouncewatch-signature']).toBe(sig(String(r.headers['x-bouncewatch-timestamp']), r.raw));
          expect(r.body.text).toContain('FIRING');
          expect(r.body.alert.link).toMatch(/^https:\/\/dash\.example\.test\/bw\/(messages|sources)\.html\?/);
        }
        const bs = hook.received.find((r) => r.body.alert.rule === 'backscatter')!;
        expect(new URL(bs.body.alert.link!).searchParams.get('backscatter')).toBe('1');
        expect(new URL(bs.body.alert.link!).searchParams.get('from')).toBe(new Date(end - 10 * 60_000).toISOString());
        // Every channel took every firing notification: marked, so a restart does not send them again.
        await expect.poll(async () => (await store.alerts({ state: 'firing' })).every((a) => a.notified_firing)).toBe(true);
        expect(await engine(store, hook).resume()).toBe(0);

        // The window past the bursts: nothing holds, each alert resolves once.
        const later = end + 10 * 60_000 + 1000;
        await e.evaluate(later);
        await e.evaluate(later);
        await hook.waitFor((r) => r.filter((x) => x.body.status === 'resolved').length >= 5);
        expect(await store.alerts({ state: 'firing' })).toEqual([]);
        const resolved = await store.alerts({ state: 'resolved' });
        expect(resolved.map((a) => a.resolved_at)).toEqual(resolved.map(() => later));
        expect(hook.received.filter((x) => x.body.status === 'resolved').map((r) => `${r.body.alert.rule} ${r.body.alert.key}`).sort())
          .toEqual(Object.keys(got).sort());

        // Within the cooldown the same things do not fire again; without one they do.
        await e.evaluate(end + 60_000);
        expect(await store.alerts({ state: 'firing' })).toEqual([]);
        const eager = engine(store, hook, {}, 0);
        await eager.evaluate(end + 60_000);
        expect((await store.alerts({ state: 'firing' })).length).toBe(5);
        await eager.evaluate(later);
        e.stop();
        eager.stop();
      }, 60_000);

      it('a source is new only when it had no backscatter before the window', async () => {
        // Phase A alone: the client network and the local domain are new.
        const onlyA = await store.alerts({ limit: 1000 });
        const before = new Set(onlyA.map((a) => a.id));
        const e = engine(store, hook, { rules: ['new_source'], windowMs: 10 * 60_000 }, 0);
        await e.evaluate(truth.aEnd + 1000);
        const a = (await store.alerts({ state: 'firing' })).filter((x) => !before.has(x.id));
        expect(a.map((x) => `${x.key} ${x.value}`).sort()).toEqual([`client:127.0.0.0/24 ${truth.a.length}`, `domain:bw-alerts.test ${truth.a.length}`]);
        await e.evaluate(truth.end + 3_600_000);
        // Phase B alone, with A before its window: the same sources are not new.
        const f = engine(store, hook, { rules: ['new_source'], windowMs: truth.end + 1000 - (truth.aEnd + 1000) }, 0);
        await f.evaluate(truth.end + 1000);
        expect(await store.alerts({ state: 'firing' })).toEqual([]);
        e.stop();
        f.stop();
      }, 60_000);

      it('two agents judging the same database at once notify each alert once', async () => {
        const seen = await settle(hook);
        const one = engine(store, hook, {}, 0);
        const two = engine(store, hook, {}, 0);
        const end = truth.end + 1000;
        await Promise.all([one.evaluate(end), two.evaluate(end)]);
        expect((await store.alerts({ state: 'firing' })).length).toBe(5);
        await hook.waitFor((r) => r.length >= seen + 5);
        expect(await settle(hook)).toBe(seen + 5);
        const later = end + 3_600_000;
        await Promise.all([one.evaluate(later), two.evaluate(later)]);
        await hook.waitFor((r) => r.length >= seen + 10);
        expect(await settle(hook)).toBe(seen + 10);
        expect(hook.received.slice(seen).filter((r) => r.body.status === 'resolved').length).toBe(5);
        one.stop();
        two.stop();
      }, 60_000);

      it('a failing webhook is retried with backoff and the notification marked only once it got through', async () => {
        await settle(hook);
        hook.answer(503);
        const e = engine(store, hook, { rules: ['scan'] }, 0);
        await e.evaluate(truth.end + 1000);
        await expect.poll(() => e.notifier.status()[0]!.failed, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
        const st = e.notifier.status()[0]!;
        expect(st.pending).toBe(1);
        expect(st.last_error).toMatch(/HTTP 503/);
        const [scan] = await store.alerts({ state: 'firing', rule: 'scan' });
        expect(scan!.notified_firing).toBe(false);
        hook.answer(200);
        await expect.poll(async () => (await store.alerts({ state: 'firing', rule: 'scan' }))[0]!.notified_firing, { timeout: 15_000 }).toBe(true);
        expect(e.notifier.status()[0]).toMatchObject({ pending: 0, sent: 1 });
        await e.evaluate(truth.end + 3_600_000);
        e.stop();
      }, 60_000);
    });
  }
});

describe.skipIf(missing !== null)('import --alerts', () => {
  it('judges imported history only when asked: records the alerts and notifies the channels', async () => {
    const entry = await cliEntry();
    const hook = await startReceiver();
    try {
      const config = path.join(dir, 'import-alerts.json');
      writeFileSync(config, JSON.stringify({
        internal_networks: '127.0.0.1/32', alert_window_minutes: 10, alert_backscatter_ndrs: 10, alert_backscatter_percent: 50,
        alert_new_source_ndrs: 5, alert_scan_rejects: 20, alert_refused_ndrs: 3, alert_webhook_url: hook.url, alert_webhook_secret: SECRET,
      }));
      const plain = path.join(dir, 'import-plain.db');
      await runCli(entry.entry, ['import', '--config', config, '--db', plain, truth.log]);
      expect(JSON.parse(await runCli(entry.entry, ['alerts', '--db', plain, '--since', '3650d', '--json'])).items).toEqual([]);
      const asked = path.join(dir, 'import-alerts.db');
      const out = await runCli(entry.entry, ['import', '--config', config, '--db', asked, '--alerts', truth.log]);
      expect(out).toMatch(/alerts: 5 fired, 0 resolved over the imported period, notified on webhook/);
      const forged = truth.a.length + truth.b.length;
      const listed = JSON.parse(await runCli(entry.entry, ['alerts', '--db', asked, '--since', '3650d', '--json'])) as { items: { rule: string; key: string; value: number; state: string }[] };
      expect(listed.items.map((a) => `${a.state} ${a.rule} ${a.key} ${a.value}`).sort()).toEqual([
        `firing backscatter mx ${forged}`, `firing new_source client:127.0.0.0/24 ${forged}`, `firing new_source domain:bw-alerts.test ${forged}`,
        `firing refused_ndrs mx ${[...truth.a, ...truth.b].filter((x) => domainOf(x) === REFUSES).length}`, `firing scan ${SCAN_IP} ${SCAN_PROBES}`,
      ]);
      expect(hook.received.map((r) => `${r.body.status} ${r.body.alert.rule} ${r.body.alert.key}`).sort()).toEqual(
        listed.items.map((a) => `firing ${a.rule} ${a.key}`).sort());
    } finally {
      await hook.close();
      entry.dispose();
    }
  }, 120_000);
});

// The log really holds what the harness sent (a check of the harness, not of bouncewatch).
describe.skipIf(missing !== null)('the burst log', () => {
  it('has every forged message bounced and the scan refused', async () => {
    const text = await readFile(truth.log, 'utf8');
    expect(text.match(/status=bounced \(unknown user/g)?.length).toBe(truth.a.length + truth.b.length);
    expect(text.match(/User unknown in local recipient table/g)?.length).toBe(SCAN_PROBES);
  });
});
