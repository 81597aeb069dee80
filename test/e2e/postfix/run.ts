// The Postfix harness: its MtaAdapter (lib/mta.ts) for the shared run (lib/harness.ts). A
// throwaway Postfix with rsyslog and Node peers (the mailbox servers of relay.pfx.test and
// small.pfx.test, "the internet", and its content filters); OUTDIR gets mail.log,
// mail-rfc3339.log, truth.json and the configs.
// Run: node --import tsx test/e2e/postfix/run.ts OUTDIR   (root; BW_E2E_KEEP=1 keeps the temp dir)
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startFakeAmavis } from '../lib/fake-amavis.ts';
import { runAsScript, runHarness } from '../lib/harness.ts';
import { mailboxScript } from '../lib/mailbox-rules.ts';
import type { MtaAdapter, MtaInstance } from '../lib/mta.ts';
import { code } from '../lib/notices.ts';
import { serverAt, startPeers, type Peers } from '../lib/peers.ts';
import type { Daemon } from '../lib/processes.ts';
import { inDomain } from '../lib/scenario.ts';
import type { Sent } from '../lib/send.ts';
import type { ScriptedSmtpServer, Transaction } from '../lib/smtp-server.ts';
import type { Truth } from '../lib/truth.ts';
import { effectiveMainCf, LISTENER_NAMES, writePostfixConfig } from './config.ts';
import { startOwnWordsFilter, startProxyFilter } from './filters.ts';
import {
  allowAlternateConfig, flushQueue, preparePostfix, queueEmpty, queueListing, startPostfix, stopPostfix, submitWithSendmail,
} from './postfix-ctl.ts';
import { postfixScenarios } from './scenarios.ts';
import {
  DOWNSTREAM_MAX_SIZE, HOSTNAME, LISTEN, LOCAL_DOMAIN, PEERS, RELAY_DOMAIN, SMALL_DOMAIN, SYSLOG_HOST, VIRUS_MARKER, VIRUS_NAME,
} from './topology.ts';

type PostfixPeers = Peers & Record<'smallbox' | 'amavis' | 'proxyfilter' | 'replyfilter', ScriptedSmtpServer>;

async function prepare(root: string): Promise<MtaInstance> {
  const d = await writePostfixConfig(root);
  const undoAltConfig = await allowAlternateConfig(d);
  let daemon: Daemon | null = null;
  try {
    await preparePostfix(d);
  } catch (e) {
    await undoAltConfig();
    throw e;
  }
  return {
    label: 'Postfix',
    listeners: LISTEN,
    syslogDir: d.log,
    mboxDir: d.mbox,
    version: '',
    start: () => {
      daemon = startPostfix(d);
    },
    output: () => daemon?.output() ?? '',
    stop: async () => {
      if (daemon) await stopPostfix(d, daemon);
    },
    submitLocal: async (sender, rcpts, message) => await submitWithSendmail(d, sender, rcpts, message),
    queueEmpty: async () => await queueEmpty(d),
    queueListing: async () => await queueListing(d),
    flushQueue: async () => await flushQueue(d),
    writeOutputs: async (outDir, rs) => {
      if (rs) {
        await copyFile(rs.classicLog, path.join(outDir, 'mail.log'));
        await copyFile(rs.rfc3339Log, path.join(outDir, 'mail-rfc3339.log'));
      }
      await copyFile(path.join(d.config, 'main.cf'), path.join(outDir, 'postfix.main.cf'));
      await copyFile(path.join(d.config, 'master.cf'), path.join(outDir, 'postfix.master.cf'));
      for (const l of LISTENER_NAMES) await writeFile(path.join(outDir, `postfix-${l}.main.cf`), effectiveMainCf(d, l));
    },
    problems: async () => [],
    cleanup: undoAltConfig,
  };
}

/** The two issue-21 filters did what they were made for: XFORWARD of the real client, replies in their own words. */
function filterProblems(s: Sent, peers: PostfixPeers): string[] {
  const t = s.msg.truth;
  const seen = (p: Transaction[]) => p.filter((x) => x.messageId === t.message_id);
  if (t.listener === 'proxy' && t.expect_outcome === 'rejected_at_smtp') {
    if (!seen(peers.proxyfilter.transactions).some((x) => code(x.dataReply) === 554)) return [`${t.message_id}: the proxy filter did not refuse it`];
  } else if (t.listener === 'proxy') {
    const ok = seen(peers.proxyfilter.transactions).some((x) => x.xforward.ADDR === t.client_ip && code(x.dataReply) === 250);
    if (!ok) return [`${t.message_id}: the proxy filter did not pass it on with XFORWARD ADDR=${t.client_ip ?? ''}`];
  }
  if (t.listener === 'ownwords') {
    const ok = seen(peers.replyfilter.transactions).some((x) => /^250 (?:2\.0\.0 Ok: accepted \(|OK id=)/.test(x.dataReply ?? ''));
    if (!ok) return [`${t.message_id}: the own-words filter did not re-inject and answer in its own words`];
  }
  return [];
}

const isRelay = inDomain(RELAY_DOMAIN);
const isSmall = inDomain(SMALL_DOMAIN);

export const postfixAdapter: MtaAdapter<PostfixPeers> = {
  mta: 'postfix',
  label: 'Postfix',
  workPrefix: 'bw-e2e-postfix-',
  needs: { binaries: ['/usr/sbin/postfix', '/usr/sbin/rsyslogd'], users: ['postfix'] },
  listen: Object.values(LISTEN),
  peerAddresses: Object.values(PEERS),
  staleHint: 'stop them with postfix -c DIR/etc stop / kill PID',
  busyHint: 'a stock MTA? (see test/e2e/setup-debian.sh)',
  syslogHost: SYSLOG_HOST,
  localDomains: [LOCAL_DOMAIN, HOSTNAME, 'localhost'],
  settlesNotices: true,
  logs: ['mail.log', 'mail-rfc3339.log'],
  expectedHost: () => undefined,
  timeoutMs: 240_000,
  scenarios: postfixScenarios,
  startPeers: async () => await startPeers({
    downstreamHost: `store.${RELAY_DOMAIN}`,
    downstream: PEERS.downstream,
    internet: PEERS.internet,
    maxSize: DOWNSTREAM_MAX_SIZE,
    extra: {
      smallbox: serverAt('smallbox', PEERS.smallbox, mailboxScript(`mail.${SMALL_DOMAIN}`, [], { sizeLimit: DOWNSTREAM_MAX_SIZE })),
      amavis: async () => await startFakeAmavis({
        listen: { host: PEERS.amavis.ip, port: PEERS.amavis.port },
        reinject: { host: LISTEN.reinject.ip, port: LISTEN.reinject.port },
        virusMarker: VIRUS_MARKER,
        virusName: VIRUS_NAME,
      }),
      proxyfilter: startProxyFilter,
      replyfilter: startOwnWordsFilter,
    },
  }),
  prepare,
  verify: {
    peerOf: (addr, peers) => (isRelay(addr) ? peers.downstream : isSmall(addr) ? peers.smallbox : peers.internet).transactions,
    sizeAdvertised: isSmall,
    contentFilter: (peers) => peers.amavis.transactions,
    ndrRefusals: 1,
    extra: filterProblems,
  },
};

export const runPostfixHarness = async (outDir: string): Promise<Truth> => await runHarness(postfixAdapter, outDir);

runAsScript(import.meta.url, runPostfixHarness);
