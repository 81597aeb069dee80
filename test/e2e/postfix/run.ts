// Entry point of the Postfix end-to-end harness: builds a throwaway Postfix with rsyslog and
// Node peers, runs every scenario, waits for the queue to drain, stops everything (also on
// failure) and writes mail.log, mail-rfc3339.log, truth.json and the configs into OUTDIR.
// Run: node --import tsx test/e2e/postfix/run.ts OUTDIR   (root; BW_E2E_KEEP=1 keeps the temp dir)
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { covers, sleep, tcpListeners, waitForListeners, waitUntil } from '../lib/proc-net.ts';
import { startRsyslog, type Rsyslog } from '../lib/rsyslog.ts';
import { processesMentioning, stopDaemon, type Daemon } from '../lib/processes.ts';
import type { Truth } from '../lib/truth.ts';
import { effectiveMainCf, LISTENER_NAMES, writePostfixConfig, type PostfixDirs } from './config.ts';
import { startPeers, type Peers } from './peers.ts';
import { allowAlternateConfig, flushQueue, preparePostfix, queueEmpty, queueListing, startPostfix, stopPostfix } from './postfix-ctl.ts';
import { postfixScenarios } from './scenarios.ts';
import { sendAll } from './send.ts';
import { HOSTNAME, LISTEN, LOCAL_DOMAIN, PEERS, SYSLOG_HOST } from './topology.ts';
import { verifyRun } from './verify.ts';
import { settleNotices } from '../lib/notices.ts';

/** How long the queue may take to empty after the last message was sent (env override for slow CI). */
const DRAIN_TIMEOUT_MS = Number(process.env.BW_E2E_DRAIN_TIMEOUT_MS ?? 100_000);
const WORK_PREFIX = 'bw-e2e-postfix-';
const t0 = Date.now();
/** Progress on stderr with BW_E2E_VERBOSE=1 (timings of each phase). */
function step(what: string): void {
  if (process.env.BW_E2E_VERBOSE === '1') console.error(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${what}`);
}

async function preflight(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the Postfix harness must run as root');
  const listeners = await tcpListeners();
  const busy = [...Object.values(LISTEN), ...Object.values(PEERS)].filter((ep) => covers(listeners, ep));
  if (busy.length > 0) {
    const stale = await processesMentioning(WORK_PREFIX);
    throw new Error(`addresses already in use: ${busy.map((b) => `${b.ip}:${b.port}`).join(', ')}; ${stale.length > 0
      ? `left over from an earlier harness run (stop them with postfix -c DIR/etc stop / kill PID):\n${stale.map((p) => `  ${p.pid} ${p.cmd}`).join('\n')}`
      : 'a stock MTA? (see test/e2e/setup-debian.sh)'}`);
  }
}

/** Empty queue and peers quiet for a while: nothing is left to happen. */
async function waitForDrain(d: PostfixDirs, peers: Peers): Promise<void> {
  let lastFlush = Date.now();
  try {
    await waitUntil('the Postfix queue to drain', async () => {
      if (!(await queueEmpty(d))) {
        // The short backoff times normally do the work; a flush every 30 s guards against a stall.
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

/** What the peers saw, for the kept work dir (verify.json) when a run needs debugging. */
function peerRecords(peers: Peers): unknown {
  return peers.all.map((p) => ({
    name: p.name,
    transactions: p.transactions.map((t) => ({ ...t, data: t.data === null ? null : `${t.data.length} bytes` })),
  }));
}

async function writeOutputs(outDir: string, d: PostfixDirs, rs: Rsyslog, truth: Truth): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await copyFile(rs.classicLog, path.join(outDir, 'mail.log'));
  await copyFile(rs.rfc3339Log, path.join(outDir, 'mail-rfc3339.log'));
  await copyFile(path.join(d.config, 'main.cf'), path.join(outDir, 'postfix.main.cf'));
  await copyFile(path.join(d.config, 'master.cf'), path.join(outDir, 'postfix.master.cf'));
  for (const l of LISTENER_NAMES) {
    await writeFile(path.join(outDir, `postfix-${l}.main.cf`), effectiveMainCf(d, l));
  }
  await writeFile(path.join(outDir, 'truth.json'), `${JSON.stringify(truth, null, 2)}\n`);
}

export async function runPostfixHarness(outDir: string): Promise<Truth> {
  await preflight();
  const started = Date.now();
  const root = await mkdtemp(path.join(os.tmpdir(), WORK_PREFIX));
  let d: PostfixDirs | null = null;
  let peers: Peers | null = null;
  let rs: Rsyslog | null = null;
  let postfix: Daemon | null = null;
  let failed = true;
  let undoAltConfig: (() => Promise<void>) | null = null;
  try {
    d = await writePostfixConfig(root);
    undoAltConfig = await allowAlternateConfig(d);
    await preparePostfix(d);
    step('postfix config written and checked');
    peers = await startPeers();
    rs = await startRsyslog(d.log, SYSLOG_HOST);
    postfix = startPostfix(d);
    await waitForListeners(Object.values(LISTEN), 20_000).catch(async (e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\npostfix: ${postfix?.output() ?? ''}`, { cause: e });
    });
    const scenarios = postfixScenarios();
    const generatedAt = new Date().toISOString();
    step('postfix listening');
    const sent = await sendAll(d, scenarios);
    step('all scenarios sent');
    await waitForDrain(d, peers);
    step('queue drained');
    await stopPostfix(d, postfix);
    await sleep(500); // let rsyslogd write the last lines before it is stopped
    await rs.stop();
    step('postfix and rsyslogd stopped');
    const notices = settleNotices(scenarios.map((s) => s.truth), peers.internet.transactions);
    const truth: Truth = {
      generated_at: generatedAt,
      hostname: SYSLOG_HOST,
      mta: 'postfix',
      local_domains: [LOCAL_DOMAIN, HOSTNAME, 'localhost'],
      // Delay warnings follow timing (delay_warning_time is server-wide): the truth takes the
      // notifications the forged senders' MX received where one was among them.
      messages: notices.messages,
      smtp_rejects: scenarios.flatMap((s) => s.rejects.map((r) => ({
        client_ip: s.truth.client_ip ?? '', sender: s.truth.sender, recipient: r.recipient, stage: r.stage, message_id: s.truth.message_id,
      }))),
    };
    await writeOutputs(outDir, d, rs, truth);
    const problems = [...notices.problems, ...(await verifyRun(sent, peers, d.mbox))];
    await writeFile(path.join(root, 'verify.json'), JSON.stringify({ problems, peers: peerRecords(peers) }, null, 2));
    if (problems.length > 0) throw new Error(`the run did not do what the scenarios designed:\n  ${problems.join('\n  ')}`);
    console.log(`postfix harness: ${truth.messages.length} messages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    failed = false;
    return truth;
  } finally {
    if (postfix && d) await stopPostfix(d, postfix).catch(() => undefined);
    if (rs) await stopDaemon(rs.daemon);
    if (peers) await Promise.all(peers.all.map((p) => p.close()));
    if (undoAltConfig) await undoAltConfig();
    if (process.env.BW_E2E_KEEP === '1' || failed) {
      console.warn(`postfix harness: work dir kept at ${root}`);
    } else {
      await rm(root, { recursive: true, force: true });
    }
    step('cleaned up');
  }
}

// Run as a script: node --import tsx test/e2e/postfix/run.ts OUTDIR
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node --import tsx test/e2e/postfix/run.ts OUTDIR');
    process.exit(2);
  }
  runPostfixHarness(path.resolve(out)).then(
    (t) => console.log(`wrote ${out}: ${t.messages.length} messages, ${t.smtp_rejects.length} SMTP rejects`),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
