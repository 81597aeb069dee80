// `npm run bench:alerts`: alert latency, from the first log line that qualifies to the webhook
// call. A real Postfix (test/alerts/burst-postfix.ts) takes a burst of forged mail from a new
// client network per round while `serve` follows its log; each round's network is a new
// backscatter source, so each round fires one alert. Latency per round: when the harness first
// saw the round's first NDR line in the log (it reads the file every 20 ms) to when the webhook
// receiver got the alert. Prints p50, p99 and max; the goal is the "within seconds".
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliEntry } from '../test/daemon/lib/cli-entry.ts';
import { freePort, startServe, stopClean } from '../test/daemon/lib/serve-process.ts';
import { startBurstPostfix } from '../test/alerts/burst-postfix.ts';
import { startReceiver } from '../test/alerts/receiver.ts';
import { emitResult } from './result.ts';

const ROUNDS = Number(process.env.BENCH_ALERT_ROUNDS ?? 20);
const PER_ROUND = 3;
const GOAL_MS = 5000;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const dir = mkdtempSync(path.join(tmpdir(), 'bw-bench-alerts-'));
chmodSync(dir, 0o755);
mkdirSync(path.join(dir, 'pf'));
const entry = await cliEntry();
const mta = await startBurstPostfix(path.join(dir, 'pf'));
const hook = await startReceiver();
const config = path.join(dir, 'bw.json');
writeFileSync(config, JSON.stringify({
  internal_networks: '127.0.0.1/32', alert_rules: ['new_source'], alert_window_minutes: 10, alert_new_source_ndrs: PER_ROUND,
  alert_webhook_url: hook.url,
}));
const serve = startServe(entry.entry, path.join(dir, 'bw.db'), [mta.maillog], await freePort(), ['--config', config]);
try {
  if (!(await serve.serving)) throw new Error(`serve did not start:\n${serve.out()}`);
  const latencies: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const net = `127.0.${10 + i}`;
    const sent = await mta.sendBurst({ count: PER_ROUND, senderDomains: ['victim.example'], clientIp: `${net}.2`, concurrency: PER_ROUND });
    const first = await mta.awaitLog(/sender non-delivery notification/, i * PER_ROUND + 1);
    const key = `client:${net}.0/24`;
    await hook.waitFor((r) => r.some((x) => x.body.alert.key === key), 30_000);
    const got = hook.received.find((x) => x.body.alert.key === key)!;
    latencies.push(got.at - first.at);
    await mta.awaitNdrs(sent);
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const p50 = pct(sorted, 50);
  const p99 = pct(sorted, 99);
  console.log(`alert latency over ${ROUNDS} bursts (first NDR line seen -> webhook received): p50 ${p50} ms, p99 ${p99} ms, max ${sorted.at(-1)} ms`);
  console.log(`  (serve defaults: batch_ms 250, poll_ms 250; alerts judged at most once a second after a commit)`);
  emitResult({ target: 'alert latency p99 (first NDR line -> webhook)', figure: `p50 ${p50} ms, p99 ${p99} ms`, goal: `< ${GOAL_MS} ms`, met: p99 < GOAL_MS });
} finally {
  await stopClean(serve);
  await mta.stop();
  await hook.close();
  entry.dispose();
  rmSync(dir, { recursive: true, force: true });
}
