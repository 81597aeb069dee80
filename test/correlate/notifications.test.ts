// Every notification of a message (issue 21 item 1): two NDRs of one message (one per attempt
// that failed recipients), delay warnings (Postfix `sender delay notification`, Exim `<= <>
// R=ORIG` told apart by +subject or by the original's state), success notices and postmaster's
// copies; each with its fate. Lines in the shapes Postfix's bounce(8) and Exim's spec (ch.
// "Log files", "Warning messages") give; the expected values are read off those lines.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Ingest } from '../../src/ingest/ingest.ts';
import { importFile } from '../../src/ingest/import-files.ts';
import { allMessages, openTestStore } from '../lib/store.ts';
import { summarize } from '../../src/report/summary.ts';
import { recommend } from '../../src/advise/recommend.ts';
import type { MessageRecord } from '../../src/correlate/record.ts';
import type { Summary } from '../../src/report/summary.ts';

const dir = mkdtempSync(join(tmpdir(), 'bw-notices-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function read(log: string): Promise<{ messages: MessageRecord[]; report: Summary; lists: string[] }> {
  const path = join(dir, `${++n}.log`);
  writeFileSync(path, log.trim().split('\n').map((l) => `${l.trim()}\n`).join(''));
  const store = openTestStore(join(dir, `${n}.db`));
  await importFile(store, await Ingest.open(store, { internalNetworks: '127.0.0.1/32' }), path, { year: 2026 });
  const out = {
    messages: await allMessages(store), report: await summarize(store),
    lists: (await recommend(store, await store.period())).filter((r) => r.cause === 'listed').flatMap((r) => r.evidence.lists ?? []),
  };
  await store.close();
  return out;
}

const FORGED = 'ghost@shop.victims.test';

describe('Postfix: every notification of a message', () => {
  // Two recipients at a relay: A is refused in the first attempt, B deferred, a delay warning
  // goes out, then B is refused in the second attempt: two NDRs and one delay notification.
  const log = `
    Dec  3 10:00:00 mx1 postfix/smtpd[10]: 4A1B2C3D4E: client=unknown[192.0.2.7]
    Dec  3 10:00:00 mx1 postfix/cleanup[11]: 4A1B2C3D4E: message-id=<two-ndrs@example.test>
    Dec  3 10:00:00 mx1 postfix/qmgr[12]: 4A1B2C3D4E: from=<${FORGED}>, size=900, nrcpt=2 (queue active)
    Dec  3 10:00:01 mx1 postfix/smtp[13]: 4A1B2C3D4E: to=<a@relay.example>, relay=mbox[192.0.2.31]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (host mbox[192.0.2.31] said: 550 5.1.1 <a@relay.example>: User unknown (in reply to RCPT TO command))
    Dec  3 10:00:01 mx1 postfix/smtp[13]: 4A1B2C3D4E: to=<b@relay.example>, relay=mbox[192.0.2.31]:25, delay=1, delays=0/0/0.5/0.5, dsn=4.2.0, status=deferred (host mbox[192.0.2.31] said: 450 4.2.0 <b@relay.example>: Try later (in reply to RCPT TO command))
    Dec  3 10:00:01 mx1 postfix/bounce[14]: 4A1B2C3D4E: sender non-delivery notification: 5B000000A1
    Dec  3 10:00:01 mx1 postfix/cleanup[11]: 5B000000A1: message-id=<20261203100001.5B000000A1@mx1.example>
    Dec  3 10:00:01 mx1 postfix/qmgr[12]: 5B000000A1: from=<>, size=2400, nrcpt=1 (queue active)
    Dec  3 10:00:02 mx1 postfix/smtp[15]: 5B000000A1: to=<${FORGED}>, relay=mx.victims.test[198.51.100.9]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as X1)
    Dec  3 10:00:02 mx1 postfix/qmgr[12]: 5B000000A1: removed
    Dec  3 10:30:00 mx1 postfix/bounce[14]: 4A1B2C3D4E: sender delay notification: 6C000000B2
    Dec  3 10:30:00 mx1 postfix/cleanup[11]: 6C000000B2: message-id=<20261203103000.6C000000B2@mx1.example>
    Dec  3 10:30:00 mx1 postfix/qmgr[12]: 6C000000B2: from=<>, size=2100, nrcpt=1 (queue active)
    Dec  3 10:30:01 mx1 postfix/smtp[15]: 6C000000B2: to=<${FORGED}>, relay=mx.victims.test[198.51.100.9]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as X2)
    Dec  3 10:30:01 mx1 postfix/qmgr[12]: 6C000000B2: removed
    Dec  3 11:00:00 mx1 postfix/qmgr[12]: 4A1B2C3D4E: from=<${FORGED}>, size=900, nrcpt=2 (queue active)
    Dec  3 11:00:01 mx1 postfix/smtp[13]: 4A1B2C3D4E: to=<b@relay.example>, relay=mbox[192.0.2.31]:25, delay=3601, delays=3600/0/0.5/0.5, dsn=5.2.1, status=bounced (host mbox[192.0.2.31] said: 550 5.2.1 <b@relay.example>: Mailbox disabled (in reply to RCPT TO command))
    Dec  3 11:00:01 mx1 postfix/bounce[14]: 4A1B2C3D4E: sender non-delivery notification: 7D000000C3
    Dec  3 11:00:01 mx1 postfix/bounce[14]: 4A1B2C3D4E: postmaster non-delivery notification: 8E000000D4
    Dec  3 11:00:01 mx1 postfix/qmgr[12]: 4A1B2C3D4E: removed
    Dec  3 11:00:01 mx1 postfix/cleanup[11]: 7D000000C3: message-id=<20261203110001.7D000000C3@mx1.example>
    Dec  3 11:00:01 mx1 postfix/qmgr[12]: 7D000000C3: from=<>, size=2400, nrcpt=1 (queue active)
    Dec  3 11:00:02 mx1 postfix/smtp[15]: 7D000000C3: to=<${FORGED}>, relay=mx.victims.test[198.51.100.9]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (host mx.victims.test[198.51.100.9] said: 550 5.1.1 <${FORGED}>: Recipient address rejected: User unknown (in reply to RCPT TO command))
    Dec  3 11:00:02 mx1 postfix/qmgr[12]: 7D000000C3: removed
    Dec  3 11:00:01 mx1 postfix/cleanup[11]: 8E000000D4: message-id=<20261203110001.8E000000D4@mx1.example>
    Dec  3 11:00:01 mx1 postfix/qmgr[12]: 8E000000D4: from=<double-bounce@mx1.example>, size=2400, nrcpt=1 (queue active)
    Dec  3 11:00:02 mx1 postfix/local[16]: 8E000000D4: to=<root@mx1.example>, orig_to=<postmaster>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)
    Dec  3 11:00:02 mx1 postfix/qmgr[12]: 8E000000D4: removed`;

  it('lists both NDRs, the delay notification and the postmaster copy, each with its fate', async () => {
    const { messages } = await read(log);
    expect(messages).toHaveLength(1);
    const m = messages[0]!;
    expect(m.notifications).toEqual([
      { queue_id: '5B000000A1', type: 'non_delivery', to: FORGED, fate: 'delivered', cause: null, reason: null },
      { queue_id: '6C000000B2', type: 'delay', to: FORGED, fate: 'delivered', cause: null, reason: null },
      { queue_id: '7D000000C3', type: 'non_delivery', to: FORGED, fate: 'rejected', cause: 'unknown_recipient', reason: expect.stringContaining('550 5.1.1') },
      { queue_id: '8E000000D4', type: 'postmaster_copy', to: 'root@mx1.example', fate: 'delivered', cause: null, reason: null },
    ]);
    expect(m.ndr).toEqual({ queue_id: '5B000000A1', to: FORGED, fate: 'delivered' });
    expect(m.backscatter).toBe(true);
  });

  it('counts every NDR as backscatter, by fate, and the delay warning apart', async () => {
    const { report } = await read(log);
    expect(report.ndrs).toBe(2);
    expect(report.backscatter).toBe(1);
    expect(report.backscatter_ndrs).toBe(2);
    expect(report.backscatter_fates).toEqual({ delivered: 1, rejected: 1 });
    expect(report.backscatter_delay_warnings).toBe(1);
  });
});

describe('Exim: bounces and delay warnings look alike', () => {
  const arrival = (q: string, subject: string) => `2026-12-03 10:00:00 ${q} <= ${FORGED} H=(bot.example) [192.0.2.7] P=esmtp S=900 id=exim-${q}@example.test${subject}`;
  // A deferred, warned, then failed in a later queue run; B failed at once: two bounces, one warning.
  const life = (subject: (what: 'bounce' | 'warning', orig: string) => string) => `
    ${arrival('1aaaaa-000001-AA', '')}
    2026-12-03 10:00:01 1aaaaa-000001-AA ** b@relay.example R=relay T=remote_smtp H=mbox [192.0.2.31]: SMTP error from remote mail server after RCPT TO:<b@relay.example>: 550 5.1.1 User unknown
    2026-12-03 10:00:01 1aaaaa-000001-AA == a@relay.example R=relay T=remote_smtp defer (-44) H=mbox [192.0.2.31]: SMTP error from remote mail server after RCPT TO:<a@relay.example>: 451 4.3.0 Try later
    2026-12-03 10:00:01 1bbbbb-000002-BB <= <> R=1aaaaa-000001-AA U=Debian-exim P=local S=1800${subject('bounce', '1aaaaa-000001-AA')}
    2026-12-03 10:00:01 1bbbbb-000002-BB => ${FORGED} R=dnslookup T=remote_smtp H=mx.victims.test [198.51.100.9] C="250 OK"
    2026-12-03 10:00:01 1bbbbb-000002-BB Completed
    2026-12-03 10:20:00 1aaaaa-000001-AA == a@relay.example R=relay T=remote_smtp defer (-44) H=mbox [192.0.2.31]: SMTP error from remote mail server after RCPT TO:<a@relay.example>: 451 4.3.0 Try later
    2026-12-03 10:20:00 1ccccc-000003-CC <= <> R=1aaaaa-000001-AA U=Debian-exim P=local S=1500${subject('warning', '1aaaaa-000001-AA')}
    2026-12-03 10:20:01 1ccccc-000003-CC => ${FORGED} R=dnslookup T=remote_smtp H=mx.victims.test [198.51.100.9] C="250 OK"
    2026-12-03 10:20:01 1ccccc-000003-CC Completed
    2026-12-03 11:00:00 1aaaaa-000001-AA ** a@relay.example R=relay T=remote_smtp H=mbox [192.0.2.31]: SMTP error from remote mail server after RCPT TO:<a@relay.example>: 550 5.2.1 Mailbox disabled
    2026-12-03 11:00:00 1ddddd-000004-DD <= <> R=1aaaaa-000001-AA U=Debian-exim P=local S=1800${subject('bounce', '1aaaaa-000001-AA')}
    2026-12-03 11:00:01 1ddddd-000004-DD ** ${FORGED} R=dnslookup T=remote_smtp H=mx.victims.test [198.51.100.9]: SMTP error from remote mail server after RCPT TO:<${FORGED}>: 550 5.1.1 No such user
    2026-12-03 11:00:01 1ddddd-000004-DD Frozen (delivery error message)
    2026-12-03 11:00:01 1aaaaa-000001-AA Completed`;
  const expected = [
    { queue_id: '1bbbbb-000002-BB', type: 'non_delivery', to: FORGED, fate: 'delivered', cause: null, reason: null },
    { queue_id: '1ccccc-000003-CC', type: 'delay', to: FORGED, fate: 'delivered', cause: null, reason: null },
    { queue_id: '1ddddd-000004-DD', type: 'non_delivery', to: FORGED, fate: 'rejected', cause: 'unknown_recipient', reason: expect.stringContaining('550 5.1.1') },
  ];

  it('without +subject: by the original state (failures since the last bounce, or only deferrals)', async () => {
    const { messages, report } = await read(life(() => ''));
    expect(messages).toHaveLength(1);
    expect(messages[0]!.notifications).toEqual(expected);
    expect(messages[0]!.ndr).toEqual({ queue_id: '1bbbbb-000002-BB', to: FORGED, fate: 'delivered' });
    expect(report.backscatter_ndrs).toBe(2);
    expect(report.backscatter_delay_warnings).toBe(1);
  });

  it('with +subject: by the subject Exim gives each', async () => {
    const subject = (what: 'bounce' | 'warning', orig: string) =>
      what === 'bounce' ? ' T="Mail delivery failed: returning message to sender"' : ` T="Warning: message ${orig} delayed 20 minutes"`;
    const { messages } = await read(life(subject));
    expect(messages).toHaveLength(1);
    expect(messages[0]!.notifications).toEqual(expected);
  });

  it('with a subject of neither default form (a custom template): by the original state', async () => {
    const subject = (what: 'bounce' | 'warning') => (what === 'bounce' ? ' T="Undeliverable mail"' : ' T="Still trying to deliver your mail"');
    const { messages } = await read(life(subject));
    expect(messages[0]!.notifications).toEqual(expected);
  });

  it('a warning for a message whose lines start before the log is still a warning when the subject says so', async () => {
    const { messages } = await read(`
      2026-12-03 10:20:00 1ccccc-000003-CC <= <> R=1zzzzz-000009-ZZ U=Debian-exim P=local S=1500 T="Warning: message 1zzzzz-000009-ZZ delayed 2 hours"
      2026-12-03 10:20:01 1ccccc-000003-CC => ${FORGED} R=dnslookup T=remote_smtp H=mx.victims.test [198.51.100.9] C="250 OK"
      2026-12-03 10:20:01 1ccccc-000003-CC Completed`);
    const notes = messages.flatMap((m) => m.notifications);
    expect(notes).toEqual([{ queue_id: '1ccccc-000003-CC', type: 'delay', to: FORGED, fate: 'delivered', cause: null, reason: null }]);
    expect(messages.every((m) => m.ndr === null)).toBe(true);
  });
});

describe('a notification refused because a blocklist names this server', () => {
  it('fails with cause listed, and the listing advice names the list', async () => {
    const { messages, lists } = await read(`
      Dec  3 10:00:00 mx1 postfix/smtpd[10]: 4A1B2C3D4E: client=unknown[192.0.2.7]
      Dec  3 10:00:00 mx1 postfix/cleanup[11]: 4A1B2C3D4E: message-id=<listed@example.test>
      Dec  3 10:00:00 mx1 postfix/qmgr[12]: 4A1B2C3D4E: from=<${FORGED}>, size=900, nrcpt=1 (queue active)
      Dec  3 10:00:01 mx1 postfix/local[13]: 4A1B2C3D4E: to=<nobody@mx1.example>, relay=local, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (unknown user: "nobody")
      Dec  3 10:00:01 mx1 postfix/bounce[14]: 4A1B2C3D4E: sender non-delivery notification: 5B000000A1
      Dec  3 10:00:01 mx1 postfix/qmgr[12]: 4A1B2C3D4E: removed
      Dec  3 10:00:01 mx1 postfix/cleanup[11]: 5B000000A1: message-id=<20261203100001.5B000000A1@mx1.example>
      Dec  3 10:00:01 mx1 postfix/qmgr[12]: 5B000000A1: from=<>, size=2400, nrcpt=1 (queue active)
      Dec  3 10:00:02 mx1 postfix/smtp[15]: 5B000000A1: to=<${FORGED}>, relay=mx.victims.test[198.51.100.9]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host mx.victims.test[198.51.100.9] said: 554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.5 (in reply to RCPT TO command))
      Dec  3 10:00:02 mx1 postfix/qmgr[12]: 5B000000A1: removed`);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.notifications).toEqual([{
      queue_id: '5B000000A1', type: 'non_delivery', to: FORGED, fate: 'rejected', cause: 'listed',
      reason: expect.stringContaining('blocked using zen.spamhaus.org'),
    }]);
    expect(lists).toEqual(['zen.spamhaus.org (1)']);
  });
});
