// The run both real-MTA harnesses share, against an MtaAdapter (mta.ts): preflight, a throwaway
// work dir, the MTA configured by the adapter, the Node peers, the syslog daemon (rsyslog, or
// with { syslog: 'journald' } a standalone systemd-journald: journald.ts), every scenario sent,
// the queue drained, everything stopped (also on failure), then the logs, configs and
// truth.json written into OUTDIR and the run checked against its design (verify.ts).
// BW_E2E_KEEP=1 keeps the work dir, BW_E2E_VERBOSE=1 prints the phases.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MtaAdapter, MtaInstance } from './mta.ts';
import { settleNotices } from './notices.ts';
import type { Peers } from './peers.ts';
import { prerequisites, busyAddresses, SETUP_HINT } from './prerequisites.ts';
import { sleep, waitForListeners, waitUntil } from './proc-net.ts';
import { runOk, stopDaemon } from './processes.ts';
import { JOURNALCTL, startJournald, type Journald } from './journald.ts';
import { startRsyslog, type Rsyslog } from './rsyslog.ts';
import { inDomain } from './scenario.ts';
import { sendAll } from './send.ts';
import type { Truth } from './truth.ts';
import { verifyRun } from './verify.ts';

/** How long the queue may take to empty after the last message was sent (env override for slow CI). */
const DRAIN_TIMEOUT_MS = Number(process.env.BW_E2E_DRAIN_TIMEOUT_MS ?? 100_000);
const t0 = Date.now();
/** Progress on stderr with BW_E2E_VERBOSE=1 (timings of each phase). */
function step(what: string): void {
  if (process.env.BW_E2E_VERBOSE === '1') console.error(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${what}`);
}

async function preflight(a: MtaAdapter<Peers>): Promise<void> {
  const missing = prerequisites(a.needs);
  if (missing.length > 0) throw new Error(`the ${a.label} harness needs ${missing.join(', ')} (${SETUP_HINT})`);
  const busy = await busyAddresses([...a.listen, ...a.peerAddresses], a.workPrefix, a.staleHint, a.busyHint);
  if (busy) throw new Error(busy);
}

/** Empty queue (frozen messages included) and peers quiet for a while: nothing is left to happen. */
async function waitForDrain(mta: MtaInstance, peers: Peers): Promise<void> {
  let lastFlush = Date.now();
  try {
    await waitUntil(`the ${mta.label} queue to drain`, async () => {
      if (!(await mta.queueEmpty())) {
        // The MTA's own retries do the work; a forced queue run every 30 s guards against a stall.
        if (Date.now() - lastFlush > 30_000) {
          lastFlush = Date.now();
          await mta.flushQueue();
        }
        return false;
      }
      return peers.all.every((p) => p.idleMs() > 1500);
    }, DRAIN_TIMEOUT_MS, 500);
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${await mta.queueListing()}`, { cause: e });
  }
}

/** What the peers saw, for the kept work dir (verify.json) when a run needs debugging. */
function peerRecords(peers: Peers): unknown {
  return peers.all.map((p) => ({
    name: p.name,
    transactions: p.transactions.map((t) => ({ ...t, data: t.data === null ? null : `${t.data.length} bytes` })),
  }));
}

export interface HarnessOptions {
  /**
   * Who owns /dev/log: rsyslogd writing the log files (the default), or a standalone
   * systemd-journald, the journal emptied first: the run is then in this machine's journal
   * (OUTDIR gets journal.json, its mail entries, instead of the log files).
   */
  syslog?: 'rsyslog' | 'journald';
  /**
   * Called once rsyslogd writes the run's classic-format mail log, before the MTA starts: a
   * test can follow the live log from its first line (the fleet test's `serve`).
   */
  onLiveLog?: (classicLog: string) => Promise<void>;
}

export async function runHarness<P extends Peers>(a: MtaAdapter<P>, outDir: string, opts: HarnessOptions = {}): Promise<Truth> {
  const journald = opts.syslog === 'journald';
  await preflight(a);
  const started = Date.now();
  const root = await mkdtemp(path.join(os.tmpdir(), a.workPrefix));
  let mta: MtaInstance | null = null;
  let peers: P | null = null;
  let rs: Rsyslog | Journald | null = null;
  let failed = true;
  try {
    mta = await a.prepare(root);
    step(`${[a.mta, mta.version].filter(Boolean).join(' ')} config written and checked`);
    peers = await a.startPeers();
    rs = journald ? await startJournald(`the ${a.mta} harness in ${root}`) : await startRsyslog(mta.syslogDir, a.syslogHost);
    step(journald ? '/dev/log points at systemd-journald' : 'rsyslogd owns /dev/log');
    if (opts.onLiveLog && 'classicLog' in rs) await opts.onLiveLog(rs.classicLog);
    mta.start();
    const m = mta;
    await waitForListeners(a.listen, 20_000).catch(async (e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n${a.mta}: ${m.output()}`, { cause: e });
    });
    const scenarios = a.scenarios();
    const generatedAt = new Date().toISOString();
    step(`${a.mta} listening`);
    const sent = await sendAll(mta, scenarios);
    step('all scenarios sent');
    await waitForDrain(mta, peers);
    step('queue drained');
    await mta.stop();
    await sleep(500); // let the syslog daemon write the last lines before it is stopped
    await rs.stop();
    step(`${a.mta} and ${rs.daemon.name} stopped`);
    const designed = scenarios.map((s) => s.truth);
    const notices = a.settlesNotices ? settleNotices(designed, peers.internet.transactions) : { messages: designed, problems: [] };
    const truth: Truth = {
      generated_at: generatedAt,
      hostname: a.syslogHost,
      ...a.truthExtras?.(),
      mta: a.mta,
      local_domains: a.localDomains,
      messages: notices.messages,
      smtp_rejects: scenarios.flatMap((s) => s.rejects.map((r) => ({
        client_ip: s.truth.client_ip ?? '', sender: s.truth.sender, recipient: r.recipient, stage: r.stage, message_id: s.truth.message_id,
      }))),
    };
    await mkdir(outDir, { recursive: true });
    if (!('journal' in rs)) {
      await mta.writeOutputs(outDir, rs);
    } else {
      await mta.writeOutputs(outDir, null);
      const entries = await runOk(JOURNALCTL, ['-q', '--no-pager', '-o', 'json', 'SYSLOG_FACILITY=2'], { env: { ...process.env, SYSTEMD_PAGER: '' } });
      await writeFile(path.join(outDir, 'journal.json'), entries.stdout);
    }
    await writeFile(path.join(outDir, 'truth.json'), `${JSON.stringify(truth, null, 2)}\n`);
    const isLocal = inDomain(a.localDomains[0] ?? '');
    const problems = [
      ...notices.problems,
      ...(await verifyRun(sent, { peers, mboxDir: mta.mboxDir, isLocal, rules: a.verify })),
      ...(await mta.problems()),
    ];
    await writeFile(path.join(root, 'verify.json'), JSON.stringify({ problems, peers: peerRecords(peers) }, null, 2));
    if (problems.length > 0) throw new Error(`the run did not do what the scenarios designed:\n  ${problems.join('\n  ')}`);
    console.log(`${a.mta} harness: ${truth.messages.length} messages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    failed = false;
    return truth;
  } finally {
    if (mta) await mta.stop().catch(() => undefined);
    if (rs) await stopDaemon(rs.daemon);
    if (peers) await Promise.all(peers.all.map((p) => p.close()));
    if (mta) await mta.cleanup().catch(() => undefined);
    if (process.env.BW_E2E_KEEP === '1' || failed) {
      console.warn(`${a.mta} harness: work dir kept at ${root}`);
    } else {
      await rm(root, { recursive: true, force: true });
    }
    step('cleaned up');
  }
}

/** `node --import tsx test/e2e/<mta>/run.ts OUTDIR`: runs the harness when `moduleUrl` is the script. */
export function runAsScript(moduleUrl: string, harness: (outDir: string) => Promise<Truth>): void {
  const script = fileURLToPath(moduleUrl);
  if (!process.argv[1] || path.resolve(process.argv[1]) !== script) return;
  const out = process.argv[2];
  if (!out) {
    console.error(`usage: node --import tsx ${path.relative(process.cwd(), script)} OUTDIR`);
    process.exit(2);
  }
  harness(path.resolve(out)).then(
    (t) => console.log(`wrote ${out}: ${t.messages.length} messages, ${t.smtp_rejects.length} SMTP rejects`),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
