// The Exim harness: its MtaAdapter (lib/mta.ts) for the shared run (lib/harness.ts). A
// throwaway Exim 4.96 (Debian's exim4-daemon-light, unpacked by test/e2e/setup-debian.sh) with
// rsyslog and Node peers; the queue drains with frozen NDRs included; OUTDIR gets mainlog,
// exim-syslog.log, truth.json and the config.
// Run: node --import tsx test/e2e/exim/run.ts OUTDIR   (root; BW_E2E_KEEP=1 keeps the temp dir,
// BW_E2E_VERBOSE=1 prints the phases)
import { chmod, copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { runAsScript, runHarness } from '../lib/harness.ts';
import type { MtaAdapter, MtaInstance } from '../lib/mta.ts';
import { startPeers, type Peers } from '../lib/peers.ts';
import type { Daemon } from '../lib/processes.ts';
import { inDomain, type ScenarioMessage } from '../lib/scenario.ts';
import type { Truth } from '../lib/truth.ts';
import { LOG_SELECTOR, writeEximConfig, type LogSelector } from './config.ts';
import { checkConfig, flushQueue, queueCount, queueListing, startExim, stopExim, submitLocal, trustConfig, untrustConfig } from './exim-ctl.ts';
import { eximScenarios, unnamedRecipients } from './scenarios.ts';
import { DOWNSTREAM_MAX_SIZE, EXIM_BIN, EXIM_USER, HOSTNAME, LISTEN, LOCAL_DOMAIN, PEERS, RELAY_DOMAIN, SYSLOG_HOST, mainlogHost } from './topology.ts';

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

async function prepare(root: string, opts: EximRunOptions): Promise<MtaInstance> {
  const d = await writeEximConfig(root, opts.logSelector);
  await trustConfig(d.conf);
  let version: string;
  try {
    version = await checkConfig(d);
  } catch (e) {
    await untrustConfig(d.conf);
    throw e;
  }
  let daemon: Daemon | null = null;
  const outputs = ['mainlog', 'exim-syslog.log', 'exim.conf', 'exim-system.filter'];
  return {
    label: 'Exim',
    listeners: LISTEN,
    syslogDir: d.syslog,
    mboxDir: d.mbox,
    version,
    start: () => {
      daemon = startExim(d);
    },
    output: () => daemon?.output() ?? '',
    stop: async () => {
      if (daemon) await stopExim(daemon);
    },
    submitLocal: async (sender, rcpts, message) => await submitLocal(d, sender, rcpts, message),
    queueEmpty: async () => (await queueCount(d)) === 0,
    queueListing: async () => await queueListing(d),
    flushQueue: async () => await flushQueue(d),
    writeOutputs: async (outDir, rs) => {
      await copyFile(path.join(d.log, 'mainlog'), path.join(outDir, 'mainlog'));
      if (rs) await copyFile(rs.classicLog, path.join(outDir, 'exim-syslog.log'));
      await copyFile(d.conf, path.join(outDir, 'exim.conf'));
      await copyFile(path.join(d.etc, 'system.filter'), path.join(outDir, 'exim-system.filter'));
      // Exim writes its logs 0640; the copies are test data for anyone.
      for (const f of outputs) await chmod(path.join(outDir, f), 0o644);
    },
    problems: async () => {
      const panic = await readFile(path.join(d.log, 'paniclog'), 'utf8').catch(() => '');
      return panic.trim() === '' ? [] : [`exim wrote to its paniclog:\n${panic}`];
    },
    cleanup: async () => await untrustConfig(d.conf),
  };
}

const isRelay = inDomain(RELAY_DOMAIN);

/**
 * Two runs in exim.e2e.test.ts: the busy-server log_selector with every scenario, then Exim's
 * default log_selector (no recipients on arrival) with the scenarios it changes the reading of.
 */
export const eximAdapter = (opts: EximRunOptions = {}): MtaAdapter<Peers> => ({
  mta: 'exim',
  label: 'Exim',
  workPrefix: 'bw-e2e-exim-',
  needs: { binaries: [EXIM_BIN, '/usr/sbin/rsyslogd'], users: [EXIM_USER] },
  listen: Object.values(LISTEN),
  peerAddresses: Object.values(PEERS),
  staleHint: 'kill PID',
  busyHint: 'another MTA or harness?',
  syslogHost: SYSLOG_HOST,
  localDomains: [LOCAL_DOMAIN, HOSTNAME, 'localhost'],
  truthExtras: () => ({ mainlog_host: mainlogHost() }),
  settlesNotices: false,
  logs: ['mainlog', 'exim-syslog.log'],
  // The syslog copy carries rsyslog's host field; the mainlog names no host, so bouncewatch
  // reports the importing machine's (truth.mainlog_host records the machine that wrote it).
  expectedHost: (log, truth) => (log === 'mainlog' ? mainlogHost() : truth.hostname),
  timeoutMs: 300_000,
  scenarios: () => scenariosFor(opts),
  startPeers: async () => await startPeers({
    downstreamHost: `store.${RELAY_DOMAIN}`,
    downstream: PEERS.downstream,
    internet: PEERS.internet,
    maxSize: DOWNSTREAM_MAX_SIZE,
    extra: {},
  }),
  prepare: async (root) => await prepare(root, opts),
  verify: {
    peerOf: (addr, peers) => (isRelay(addr) ? peers.downstream : peers.internet).transactions,
    sizeAdvertised: () => false,
    // The system filter cancels it before any delivery attempt: no content filter peer.
    contentFilter: () => null,
    // Refused, frozen, thawed by ignore_bounce_errors_after, refused again, dropped.
    ndrRefusals: 2,
    extra: () => [],
  },
});

export const runEximHarness = async (outDir: string, opts: EximRunOptions = {}): Promise<Truth> => await runHarness(eximAdapter(opts), outDir);

runAsScript(import.meta.url, runEximHarness);
