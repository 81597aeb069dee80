// The alert tests' backscatter harness itself (not bouncewatch): a burst of forged mail to a real
// Postfix is accepted, bounced by local(8) and its NDRs reach the sink (one domain's MX refuses
// them), exactly as the harness's ground truth says; relaying is refused; two instances coexist.
// Needs root and postfix: skipped with a notice elsewhere, but a failure when CI=true.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postfixMissing } from './postfix-missing.ts';
import { sendMail } from '../e2e/lib/smtp-client.ts';
import { REMOTE_CLIENT_IP, startBurstPostfix, type BurstPostfix, type Sent } from './burst-postfix.ts';

const DOMAINS = ['victim-a.example', 'victim-b.example', 'refuses.example'];
const REFUSED = 'refuses.example';

const enabled = postfixMissing('burst Postfix harness') === null;
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The maillog's lines about one queue id (text after "QID: "). */
function linesOf(log: string, qid: string): string[] {
  return log.split('\n').flatMap((l) => {
    const m = new RegExp(`\\]: ${qid}: (.*)$`).exec(l);
    return m?.[1] ? [m[1]] : [];
  });
}

describe.skipIf(!enabled)('burst Postfix harness', () => {
  const roots: string[] = [];
  const instances: BurstPostfix[] = [];
  let pf: BurstPostfix;
  const start = async (): Promise<BurstPostfix> => {
    const root = await mkdtemp(path.join(tmpdir(), 'bw-alerts-postfix-'));
    roots.push(root);
    const i = await startBurstPostfix(root, { refuseDomains: [REFUSED] });
    instances.push(i);
    return i;
  };

  beforeAll(async () => {
    pf = await start();
  });

  afterAll(async () => {
    // Every instance is stopped even when one stop fails; then the dirs go.
    const stops = await Promise.allSettled(instances.map((i) => i.stop()));
    for (const r of roots) await rm(r, { recursive: true, force: true });
    for (const s of stops) if (s.status === 'rejected') throw s.reason;
  });

  it('a burst of 12 forged messages: 12 accepted, 12 bounced by local(8), 12 NDRs at the sink, the refused domain\'s refused', async () => {
    expect(pf.smtp.port).not.toBe(25);
    const burst = await pf.sendBurst({ count: 12, senderDomains: DOMAINS, concurrency: 3 });
    const legit = await pf.sendLegit({ count: 2, senderDomains: ['partner.example'] });
    expect(burst).toHaveLength(12);
    expect(new Set(burst.map((s) => s.queueId)).size).toBe(12);
    for (const d of DOMAINS) expect(burst.filter((s) => s.sender.endsWith(`@${d}`))).toHaveLength(4);
    for (const s of [...burst, ...legit]) {
      expect(s.queueId).toMatch(/^[0-9A-F]+$/);
      expect(s.clientIp).toBe(REMOTE_CLIENT_IP);
    }

    const atSink = await pf.awaitNdrs(burst);
    await pf.awaitQueueEmpty();
    const log = await pf.readMaillog();

    // The sink: one NDR per forged sender (none for legitimate mail), refused or accepted by rule.
    expect(pf.ndrs()).toHaveLength(12);
    for (const s of burst) {
      const t = atSink.get(s.sender)!;
      const refused = s.sender.endsWith(`@${REFUSED}`);
      expect(t.rcpts).toEqual([{ address: s.sender, reply: expect.stringMatching(refused ? /^550 5\.1\.1 / : /^250 /) }]);
      if (refused) expect(t.dataReply).toBeNull();
      else expect(t.data).toContain(s.recipient);
    }

    // The maillog: each forged message's whole life, NDR included, as the truth predicts.
    expect(log.match(/status=bounced \(unknown user: /g)).toHaveLength(12);
    expect(log.match(/: sender non-delivery notification: /g)).toHaveLength(12);
    for (const s of burst) {
      const own = linesOf(log, s.queueId!);
      expect(own).toContain(`client=unknown[${REMOTE_CLIENT_IP}]`);
      expect(own.some((l) => l.startsWith(`from=<${s.sender}>,`))).toBe(true);
      const local = s.recipient.split('@')[0]!;
      expect(own.some((l) => new RegExp(`^to=<${esc(s.recipient)}>, relay=local, .*status=bounced \\(unknown user: "${esc(local)}"\\)$`).test(l))).toBe(true);
      const ndr = own.map((l) => /^sender non-delivery notification: (\w+)$/.exec(l)?.[1]).find((x) => x !== undefined);
      expect(ndr, `${s.queueId} has no NDR line`).toBeDefined();
      const fate = s.sender.endsWith(`@${REFUSED}`) ? 'bounced \\(host 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\] said: 550 ' : 'sent \\(250 ';
      const ndrLines = linesOf(log, ndr!);
      expect(ndrLines.some((l) => l.startsWith('from=<>,'))).toBe(true);
      expect(ndrLines.some((l) => new RegExp(`^to=<${esc(s.sender)}>, relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${pf.sinkPort}, .*status=${fate}`).test(l))).toBe(true);
    }
    for (const s of legit) {
      const own = linesOf(log, s.queueId!);
      expect(own.some((l) => /^to=<inbox@bw-alerts\.test>, relay=local, .*status=sent \(delivered to file: /.test(l))).toBe(true);
      expect(own.some((l) => l.startsWith('sender non-delivery notification'))).toBe(false);
    }
    expect((await readFile(pf.mailbox, 'utf8')).match(/^From /gm)).toHaveLength(2);

    report('send to NDR line', latencies(pf, burst));
  });

  it('refuses to relay for the remote client', async () => {
    const r = await sendMail({
      ...pf.smtp, localAddress: REMOTE_CLIENT_IP, helo: 'client.remote.test', mailFrom: 'someone@victim-a.example',
      rcpts: ['someone@elsewhere.example'], data: 'Subject: relay\r\n\r\nx\r\n',
    });
    expect(r.rcpt.map((x) => x.reply.code)).toEqual([554]);
    expect(r.data).toBeNull();
    const relay = await pf.awaitLog(/NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.2\]: 554 5\.7\.1 <someone@elsewhere\.example>: Relay access denied/);
    expect(relay.lines).toHaveLength(1);
  });

  it('runs next to a second instance: own ports, own queue, own log', async () => {
    const other = await start();
    expect(new Set([pf.smtp.port, pf.sinkPort, other.smtp.port, other.sinkPort]).size).toBe(4);
    const [a, b] = await Promise.all([
      pf.sendBurst({ count: 2, senderDomains: ['victim-a.example'] }),
      other.sendBurst({ count: 3, senderDomains: [REFUSED] }),
    ]);
    await Promise.all([pf.awaitNdrs(a!), other.awaitNdrs(b!)]);
    await Promise.all([pf.awaitQueueEmpty(), other.awaitQueueEmpty()]);
    const otherLog = await other.readMaillog();
    expect(otherLog.match(/: sender non-delivery notification: /g)).toHaveLength(3);
    for (const s of a!) expect(otherLog).not.toContain(s.sender);
    expect(other.ndrs().every((t) => t.rcpts.every((r) => r.reply.startsWith('550 ')))).toBe(true);
    await other.stop();
  });
});

/** Milliseconds from each message's 250 to the harness first seeing its "sender non-delivery notification" line. */
function latencies(pf: BurstPostfix, sent: Sent[]): number[] {
  const seen = pf.logLines();
  return sent.map((s) => {
    const l = seen.find((x) => x.line.includes(`]: ${s.queueId}: sender non-delivery notification: `));
    return l ? l.at - s.sentAt : NaN;
  });
}

function report(what: string, ms: number[]): void {
  const sorted = [...ms].sort((x, y) => x - y);
  expect(sorted.every((x) => Number.isFinite(x))).toBe(true);
  // Postfix's bounce(8) writes NDRs at once: a second-scale delay means a retry crept in.
  expect(sorted.at(-1)!).toBeLessThan(5_000);
  console.log(`burst Postfix: ${what}: min ${sorted[0]} ms, median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms`);
}
