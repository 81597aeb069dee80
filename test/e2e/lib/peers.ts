// The Node peers both harnesses have: the relay domain's mailbox server ("downstream", which
// also answers the strict twin's verification) and "the internet" (ext.test and the forged
// senders' domains, where the NDRs go). Local parts pick the behaviour (mailbox-rules.ts), so
// scenarios read like "nobody21@relay.pfx.test". A harness adds its own peers (Postfix's filters).
import { mailboxScript } from './mailbox-rules.ts';
import type { Endpoint } from './proc-net.ts';
import { ScriptedSmtpServer, type SmtpScript } from './smtp-server.ts';

export interface Peers {
  downstream: ScriptedSmtpServer;
  internet: ScriptedSmtpServer;
  all: ScriptedSmtpServer[];
}

export interface PeerPlan<K extends string> {
  /** The downstream server's greeting name (store.<relay domain>). */
  downstreamHost: string;
  downstream: Endpoint;
  internet: Endpoint;
  /** big* local parts: refused 552 5.3.4 at end of DATA above this size. */
  maxSize: number;
  /** The harness's own peers, started after these two, in this order. */
  extra: Record<K, () => Promise<ScriptedSmtpServer>>;
}

async function listening(server: ScriptedSmtpServer, ep: Endpoint): Promise<ScriptedSmtpServer> {
  await server.listen(ep.ip, ep.port);
  return server;
}

export async function startPeers<K extends string>(plan: PeerPlan<K>): Promise<Peers & Record<K, ScriptedSmtpServer>> {
  const all: ScriptedSmtpServer[] = [];
  const start = async (f: () => Promise<ScriptedSmtpServer>): Promise<ScriptedSmtpServer> => {
    const s = await f();
    all.push(s);
    return s;
  };
  try {
    const downstream = await start(() => listening(new ScriptedSmtpServer('downstream', mailboxScript(plan.downstreamHost, [
      { match: /^nobody/i, behavior: 'unknown' },
      { match: /^full/i, behavior: 'full' },
      { match: /^big/i, behavior: { maxSize: plan.maxSize } },
      { match: /^grey/i, behavior: 'greylist' },
      { match: /^stuck/i, behavior: 'tempfail' },
      { match: /^policy/i, behavior: 'policy' },
      // Two delivery attempts deferred, the third refused (scenario "notifications").
      { match: /^twice/i, behavior: { tempfailTimes: 2 } },
    ])), plan.downstream));
    const internet = await start(() => listening(new ScriptedSmtpServer('internet', mailboxScript('mx.victims.test', [
      { match: /^(gone|refuse)/i, behavior: 'unknown' },
      { match: /^grey/i, behavior: 'greylist' },
    ])), plan.internet));
    const extra = {} as Record<K, ScriptedSmtpServer>;
    for (const [name, f] of Object.entries(plan.extra) as [K, () => Promise<ScriptedSmtpServer>][]) extra[name] = await start(f);
    return { ...extra, downstream, internet, all };
  } catch (e) {
    await Promise.all(all.map((s) => s.close()));
    throw e;
  }
}

/** A server on an address: for a harness's own peers. */
export const serverAt = (name: string, ep: Endpoint, script: SmtpScript) =>
  async (): Promise<ScriptedSmtpServer> => await listening(new ScriptedSmtpServer(name, script), ep);
