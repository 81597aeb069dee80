// Entry point of the Exim end-to-end harness: builds a throwaway Exim 4.96 (Debian's
// exim4-daemon-light, unpacked by test/e2e/setup-debian.sh) with rsyslog and Node peers, runs
// every scenario, waits for the queue to drain (frozen NDRs included), stops everything (also
// on failure) and writes mainlog, exim-syslog.log, truth.json and the config into OUTDIR.
// Run: node --import tsx test/e2e/exim/run.ts OUTDIR   (root; BW_E2E_KEEP=1 keeps the temp dir,
// BW_E2E_VERBOSE=1 prints the phases)
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { covers, sleep, tcpListeners, waitForListeners, waitUntil } from '../lib/proc-net.ts';
import { startRsyslog, type Rsyslog } from '../lib/rsyslog.ts';
import { processesMentioning, stopDaemon, type Daemon } from '../lib/processes.ts';
import type { Truth } from '../lib/truth.ts';
import { LOG_SELECTOR, writeEximConfig, type EximDirs, type LogSelector } from './config.ts';
import { checkConfig, flushQueue, queueCount, queueListing, startExim, stopExim, trustConfig, untrustConfig } from './exim-ctl.ts';
import { startPeers, type Peers } from './peers.ts';
import { eximScenarios, unnamedRecipients, type ScenarioMessage } from './scenarios.ts';
import { sendAll } from './send.ts';
import { EXIM_BIN, HOSTNAME, LISTEN, LOCAL_DOMAIN, PEERS, SYSLOG_HOST, mainlogHost } from './topology.ts';
import { verifyRun } from './verify.ts';

/** How long the queue may take to empty after the last message was sent (env override for slow CI). */
const DRAIN_TIMEOUT_MS = Number(process.env.BW_E2E_DRAIN_TIMEOUT_MS ?? 100_000);
const WORK_PREFIX = 'bw-e2e-exim-';
const t0 = Date.now();
function step(what: string): void {
  if (process.env.BW_E2E_VERBOSE === '1') console.error(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${what}`);
}

async function preflight(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the Exim harness must run as root');
  if (!existsSync(EXIM_BIN)) throw new Error(`${EXIM_BIN} missing: run test/e2e/setup-debian.sh as root`);
  const listeners = await tcpListeners();
  const busy = [...Object.values(LISTEN), ...Object.values(PEERS)].filter((ep) => covers(listeners, ep));
  if (busy.length > 0) {
    const stale = await processesMentioning(WORK_PREFIX);
    throw new Error(`addresses already in use: ${busy.map((b) => `${b.ip}:${b.port}`).join(', ')}; ${stale.length > 0
      ? `left over from an earlier harness run (kill PID):\n${stale.map((p) => `  ${p.pid} ${p.cmd}`).join('\n')}`
      : 'another MTA or harness?'}`);
  }
}

/** Empty queue (`exim -bpc` is 0, frozen messages included) and peers quiet for a while. */
async function waitForDrain(d: EximDirs, peers: Peers): Promise<void> {
  let lastFlush = Date.now();
  try {
    await waitUntil('the Exim queue to drain', async () => {
      if ((await queueCount(d)) > 0) {
        // The daemon's queue runner does the work; a forced run every 30 s guards against a stall.
        if (Date.now() - lastFlush > 30_000) {
          lastFlush = Date.now();
          await flushQueue(d);
        }
        return false;
      }
      return peers.all.every((p) => p.idleMs() > 1500);
    }, DRAIN_TIMEOUT_MS, 500);
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${await queueListing(d)}`, { cause: e });
  }
}

function peerRecords(peers: Peers): unknown {
  return peers.all.map((p) => ({
    name: p.name,
    transactions: p.transactions.map((t) => ({ ...t, data: t.data === null ? null : `${t.data.length} bytes` })),
  }));
}

async function writeOutputs(outDir: string, d: EximDirs, rs: Rsyslog, truth: Truth): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await copyFile(path.join(d.log, 'mainlog'), path.join(outDir, 'mainlog'));
  await copyFile(rs.classicLog, path.join(outDir, 'exim-syslog.log'));
  await copyFile(d.conf, path.join(outDir, 'exim.conf'));
  await copyFile(path.join(d.etc, 'system.filter'), path.join(outDir, 'exim-system.filter'));
  await writeFile(path.join(outDir, 'truth.json'), `${JSON.stringify(truth, null, 2)}\n`);
  // Exim writes its logs 0640; the copies are test data for anyone.
  for (const f of ['mainlog', 'exim-syslog.log', 'exim.conf', 'exim-system.filter']) await chmod(path.join(outDir, f), 0o644);
}

export interface EximRunOptions {
  /** Default: the busy-server LOG_SELECTOR; null: Exim's default (config.ts). */
  logSelector?: LogSelector;
  /** Scenario names to run (default: all). */
  only?: readonly string[];
}

/** The scenarios of a run, with what its log_selector leaves unnamed marked in their truth. */
function scenariosFor(opts: EximRunOptions): ScenarioMessage[] {
  const all = eximScenarios().filter((s) => opts.only === undefined || opts.only.includes(s.truth.scenario));
  const selector = opts.logSelector === undefined ? LOG_SELECTOR : opts.logSelector;
  return selector !== null && selector.includes('+received_recipients') ? all : unnamedRecipients(all);
}

export async function runEximHarness(outDir: string, opts: EximRunOptions = {}): Promise<Truth> {
  await preflight();
  const started = Date.now();
  const root = await mkdtemp(path.join(os.tmpdir(), WORK_PREFIX));
  let d: EximDirs | null = null;
  let trusted = false;
  let peers: Peers | null = null;
  let rs: Rsyslog | null = null;
  let exim: Daemon | null = null;
  let failed = true;
  try {
    d = await writeEximConfig(root, opts.logSelector);
    await trustConfig(d.conf);
    trusted = true;
    const version = await checkConfig(d);
    step(`exim ${version} config written and checked`);
    peers = await startPeers();
    rs = await startRsyslog(d.syslog, SYSLOG_HOST);
    step('rsyslogd owns /dev/log');
    exim = startExim(d);
    await waitForListeners(Object.values(LISTEN), 20_000).catch(async (e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\nexim: ${exim?.output() ?? ''}`, { cause: e });
    });
    const scenarios = scenariosFor(opts);
    const generatedAt = new Date().toISOString();
    step('exim listening');
    const sent = await sendAll(d, scenarios);
    step('all scenarios sent');
    await waitForDrain(d, peers);
    step('queue drained');
    await stopExim(exim);
    await sleep(500); // let rsyslogd write the last lines before it is stopped
    await rs.stop();
    step('exim and rsyslogd stopped');
    const truth: Truth = {
      generated_at: generatedAt,
      hostname: SYSLOG_HOST,
      mainlog_host: mainlogHost(),
      mta: 'exim',
      local_domains: [LOCAL_DOMAIN, HOSTNAME, 'localhost'],
      messages: scenarios.map((s) => s.truth),
      smtp_rejects: scenarios.flatMap((s) => s.rejects.map((r) => ({
        client_ip: s.truth.client_ip ?? '', sender: s.truth.sender, recipient: r.recipient, stage: r.stage, message_id: s.truth.message_id,
      }))),
    };
    await writeOutputs(outDir, d, rs, truth);
    const problems = await verifyRun(sent, peers, d.mbox);
    const panic = await readFile(path.join(d.log, 'paniclog'), 'utf8').catch(() => '');
    if (panic.trim() !== '') problems.push(`exim wrote to its paniclog:\n${panic}`);
    await writeFile(path.join(root, 'verify.json'), JSON.stringify({ problems, peers: peerRecords(peers) }, null, 2));
    if (problems.length > 0) throw new Error(`the run did not do what the scenarios designed:\n  ${problems.join('\n  ')}`);
    console.log(`exim harness: ${truth.messages.length} messages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    failed = false;
    return truth;
  } finally {
    if (exim) await stopExim(exim).catch(() => undefined);
    if (rs) await stopDaemon(rs.daemon);
    if (peers) await Promise.all(peers.all.map((p) => p.close()));
    if (trusted && d) await untrustConfig(d.conf).catch(() => undefined);
    if (process.env.BW_E2E_KEEP === '1' || failed) {
      console.warn(`exim harness: work dir kept at ${root}`);
    } else {
      await rm(root, { recursive: true, force: true });
    }
    step('cleaned up');
  }
}

// Run as a script: node --import tsx test/e2e/exim/run.ts OUTDIR
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node --import tsx test/e2e/exim/run.ts OUTDIR');
    process.exit(2);
  }
  runEximHarness(path.resolve(out)).then(
    (t) => console.log(`wrote ${out}: ${t.messages.length} messages, ${t.smtp_rejects.length} SMTP rejects`),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
