// Issue 21, items 2 and 3: the client behind a before-queue proxy filter (XFORWARD orig_client),
// and an after-queue filter that names the re-injected copy only in its own reply (`Ok: accepted
// (ID)`, `OK id=ID`), in either line order. Lines as the e2e harness's real Postfix 3.7 wrote them.
import { describe, expect, it } from 'vitest';
import { readLines } from './read-lines.ts';

const P = 'Dec  3 11:59:00 mx1 postfix';
const SENDER = 'ghost221@shop221.victims.test';
const MID = 'message-id=<bw-e2e-own-words-filter-1@harness.test>';
const first = [
  `${P}/smtpd[1785]: 9588820E213: client=unknown[127.1.22.1]`,
  `${P}/cleanup[1743]: 9588820E213: ${MID}`,
  `${P}/qmgr[1707]: 9588820E213: from=<${SENDER}>, size=491, nrcpt=1 (queue active)`,
];
const copyArrives = (sender = SENDER) => [
  `${P}/amavis/smtpd[1741]: AF39520E214: client=unknown[127.0.0.1]`,
  `${P}/cleanup[1742]: AF39520E214: ${MID}`,
  `${P}/qmgr[1707]: AF39520E214: from=<${sender}>, size=702, nrcpt=1 (queue active)`,
];
const handOff = (reply: string) => [
  `${P}/smtp[1719]: 9588820E213: to=<nobody221@relay.pfx.test>, relay=127.0.0.1[127.0.0.1]:10028, delay=0.16, delays=0.05/0/0.05/0.07, dsn=2.0.0, status=sent (${reply})`,
  `${P}/qmgr[1707]: 9588820E213: removed`,
];
const copyBounces = (sender = SENDER) => [
  `${P}/smtp[1735]: AF39520E214: to=<nobody221@relay.pfx.test>, relay=127.0.0.31[127.0.0.31]:25, delay=0.1, delays=0.05/0/0.05/0, dsn=5.1.1, status=bounced (host 127.0.0.31[127.0.0.31] said: 550 5.1.1 <nobody221@relay.pfx.test>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))`,
  `${P}/bounce[1726]: AF39520E214: sender non-delivery notification: C782720E219`,
  `${P}/qmgr[1707]: AF39520E214: removed`,
  `${P}/cleanup[1718]: C782720E219: message-id=<20261203115900.C782720E219@mx1.pfx.test>`,
  `${P}/qmgr[1707]: C782720E219: from=<>, size=2752, nrcpt=1 (queue active)`,
  `${P}/smtp[1719]: C782720E219: to=<${sender}>, relay=127.0.0.41[127.0.0.41]:25, delay=0.05, delays=0/0/0.04/0, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as MX00025)`,
  `${P}/qmgr[1707]: C782720E219: removed`,
];

const read = readLines;

const oneMessage = {
  queue_id: '9588820E213', queue_ids: ['9588820E213', 'AF39520E214'], origin: 'smtp', client_ip: '127.1.22.1', remote: true,
  sender: SENDER, outcome: 'bounced_after_accept', backscatter: true,
  recipients: [{ address: 'nobody221@relay.pfx.test', status: 'bounced', cause: 'unknown_recipient' }],
  ndr: { queue_id: 'C782720E219', to: SENDER, fate: 'delivered' },
};

describe('after-queue filter that answers in its own words', () => {
  it('"Ok: accepted (ID)": the copy logged first (the real order) continues the message', async () => {
    const msgs = await read([...first, ...copyArrives(), ...handOff('250 2.0.0 Ok: accepted (AF39520E214)'), ...copyBounces()]);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject(oneMessage);
  }, 30_000);

  it('"OK id=ID" logged before the copy\'s first line (syslog reordered the second)', async () => {
    const msgs = await read([...first, ...handOff('250 OK id=AF39520E214'), ...copyArrives(), ...copyBounces()]);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject(oneMessage);
  }, 30_000);

  it('a copy with another sender is not the message named: two messages', async () => {
    const other = 'other@ext.test';
    const msgs = await read([...first, ...handOff('250 2.0.0 Ok: accepted (AF39520E214)'), ...copyArrives(other), ...copyBounces(other)]);
    expect(msgs.map((m) => [m.queue_id, m.outcome]).sort()).toEqual([
      ['9588820E213', 'delivered'],
      ['AF39520E214', 'bounced_after_accept'],
    ]);
  }, 30_000);

  it('the copy\'s sender logged after the reply: judged once qmgr names it', async () => {
    const split = (sender: string) => {
      const [client, cleanup, qmgr] = copyArrives(sender);
      return [...first, client!, cleanup!, ...handOff('250 2.0.0 Ok: accepted (AF39520E214)'), qmgr!, ...copyBounces(sender)];
    };
    const same = await read(split(SENDER));
    expect(same).toHaveLength(1);
    expect(same[0]).toMatchObject(oneMessage);
    const other = await read(split('other@ext.test'));
    expect(other.map((m) => [m.queue_id, m.outcome]).sort()).toEqual([['9588820E213', 'delivered'], ['AF39520E214', 'bounced_after_accept']]);
  }, 30_000);

  it('a reply naming an id the log never shows is a delivery like any other', async () => {
    const msgs = await read([...first, ...handOff('250 2.0.0 Ok: accepted (ABCDE12345)')]);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ queue_ids: ['9588820E213'], outcome: 'delivered', recipients: [{ status: 'sent' }] });
  }, 30_000);
});

describe('the smtpd behind a before-queue proxy filter', () => {
  const proxied = (extra: string) => [
    `${P}/smtpd[1774]: 60BCE20E20D: client=unknown[127.0.0.1]${extra}`,
    `${P}/cleanup[1716]: 60BCE20E20D: message-id=<bw-e2e-proxy-filter-2@harness.test>`,
    `${P}/qmgr[1707]: 60BCE20E20D: from=<ghost212@shop212.victims.test>, size=624, nrcpt=1 (queue active)`,
    `${P}/smtpd[1767]: proxy-accept: END-OF-MESSAGE: 250 2.0.0 Ok: queued as 60BCE20E20D; from=<ghost212@shop212.victims.test> to=<nobody212@pfx.test> proto=ESMTP helo=<h21-2.bots.test>`,
    `${P}/local[1724]: 60BCE20E20D: to=<nobody212@pfx.test>, relay=local, delay=0.05, delays=0.05/0.01/0/0, dsn=5.1.1, status=bounced (unknown user: "nobody212")`,
    `${P}/bounce[1722]: 60BCE20E20D: sender non-delivery notification: 6D93320E213`,
    `${P}/qmgr[1707]: 60BCE20E20D: removed`,
    `${P}/qmgr[1707]: 6D93320E213: from=<>, size=2397, nrcpt=1 (queue active)`,
    `${P}/smtp[1721]: 6D93320E213: to=<ghost212@shop212.victims.test>, relay=127.0.0.41[127.0.0.41]:25, delay=0.05, delays=0/0/0.04/0, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as MX00024)`,
    `${P}/qmgr[1707]: 6D93320E213: removed`,
  ];
  const real = { client_ip: '127.1.21.2', remote: true, outcome: 'bounced_after_accept', backscatter: true };

  it('orig_client is the message\'s client: remote, and its NDR backscatter', async () => {
    const msgs = await read(proxied(', orig_client=unknown[127.1.21.2]'));
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ queue_ids: ['60BCE20E20D'], ...real });
  }, 30_000);

  it('an orig_queue_id the log does not hold: a message of its own, from orig_client', async () => {
    const msgs = await read(proxied(', orig_queue_id=4D1F016C0C9, orig_client=unknown[127.1.21.2]'));
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ queue_id: '60BCE20E20D', ...real });
  }, 30_000);

  it('without XFORWARD the filter is the client: internal, not backscatter', async () => {
    const msgs = await read(proxied(''));
    expect(msgs[0]).toMatchObject({ client_ip: '127.0.0.1', remote: false, backscatter: false });
  }, 30_000);
});
