// The Node peers of the Postfix harness: the downstream mailbox servers of relay.pfx.test and
// small.pfx.test, the MX of the forged senders' domains and ext.test ("the internet"), the
// fake amavis content filter, the before-queue proxy filter and the own-words after-queue filter.
import { mailboxScript } from '../lib/mailbox-rules.ts';
import { ScriptedSmtpServer } from '../lib/smtp-server.ts';
import { startFakeAmavis } from '../lib/fake-amavis.ts';
import { startOwnWordsFilter, startProxyFilter } from './filters.ts';
import { DOWNSTREAM_MAX_SIZE, LISTEN, PEERS, VIRUS_MARKER, VIRUS_NAME } from './topology.ts';

export interface Peers {
  downstream: ScriptedSmtpServer;
  smallbox: ScriptedSmtpServer;
  internet: ScriptedSmtpServer;
  amavis: ScriptedSmtpServer;
  proxyfilter: ScriptedSmtpServer;
  replyfilter: ScriptedSmtpServer;
  all: ScriptedSmtpServer[];
}

export async function startPeers(): Promise<Peers> {
  const started: ScriptedSmtpServer[] = [];
  try {
    // Local parts pick the behaviour, so scenarios read like "nobody21@relay.pfx.test".
    const downstream = new ScriptedSmtpServer('downstream', mailboxScript('store.relay.pfx.test', [
      { match: /^nobody/i, behavior: 'unknown' },
      { match: /^full/i, behavior: 'full' },
      { match: /^big/i, behavior: { maxSize: DOWNSTREAM_MAX_SIZE } },
      { match: /^grey/i, behavior: 'greylist' },
      { match: /^stuck/i, behavior: 'tempfail' },
      { match: /^policy/i, behavior: 'policy' },
      // Two delivery attempts deferred, the third refused (scenario "notifications").
      { match: /^twice/i, behavior: { tempfailTimes: 2 } },
    ]));
    await downstream.listen(PEERS.downstream.ip, PEERS.downstream.port);
    started.push(downstream);

    const smallbox = new ScriptedSmtpServer('smallbox', mailboxScript('mail.small.pfx.test', [], { sizeLimit: DOWNSTREAM_MAX_SIZE }));
    await smallbox.listen(PEERS.smallbox.ip, PEERS.smallbox.port);
    started.push(smallbox);

    const internet = new ScriptedSmtpServer('internet', mailboxScript('mx.victims.test', [
      { match: /^(gone|refuse)/i, behavior: 'unknown' },
      { match: /^grey/i, behavior: 'greylist' },
    ]));
    await internet.listen(PEERS.internet.ip, PEERS.internet.port);
    started.push(internet);

    const amavis = await startFakeAmavis({
      listen: { host: PEERS.amavis.ip, port: PEERS.amavis.port },
      reinject: { host: LISTEN.reinject.ip, port: LISTEN.reinject.port },
      virusMarker: VIRUS_MARKER,
      virusName: VIRUS_NAME,
    });
    started.push(amavis);
    const proxyfilter = await startProxyFilter();
    started.push(proxyfilter);
    const replyfilter = await startOwnWordsFilter();
    started.push(replyfilter);
    return { downstream, smallbox, internet, amavis, proxyfilter, replyfilter, all: started };
  } catch (e) {
    await Promise.all(started.map((s) => s.close()));
    throw e;
  }
}
