// The Node peers of the Exim harness: relay.exi.test's mailbox server (127.0.0.31, which also
// answers the strict twin's callouts) and "the internet" (127.0.0.41: ext.test and the forged
// senders' domains, where the NDRs go). Local parts pick the behaviour (lib/mailbox-rules.ts).
import { mailboxScript } from '../lib/mailbox-rules.ts';
import { ScriptedSmtpServer } from '../lib/smtp-server.ts';
import { DOWNSTREAM_MAX_SIZE, PEERS } from './topology.ts';

export interface Peers {
  downstream: ScriptedSmtpServer;
  internet: ScriptedSmtpServer;
  all: ScriptedSmtpServer[];
}

export async function startPeers(): Promise<Peers> {
  const started: ScriptedSmtpServer[] = [];
  try {
    const downstream = new ScriptedSmtpServer('downstream', mailboxScript('store.relay.exi.test', [
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

    const internet = new ScriptedSmtpServer('internet', mailboxScript('mx.victims.test', [
      { match: /^(gone|refuse)/i, behavior: 'unknown' },
      { match: /^grey/i, behavior: 'greylist' },
    ]));
    await internet.listen(PEERS.internet.ip, PEERS.internet.port);
    started.push(internet);
    return { downstream, internet, all: started };
  } catch (e) {
    await Promise.all(started.map((s) => s.close()));
    throw e;
  }
}
