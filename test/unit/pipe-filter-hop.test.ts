// Postfix's "simple content filter" (FILTER_README; issue 13, item 1): the pipe(8) hand-off and
// the pickup copy re-injected by the script are one message, whichever is logged first. Lines
// in the shapes the e2e harness's real Postfix 3.7 wrote (test/fixtures/postfix-e2e, scenario 20).
import { describe, expect, it } from 'vitest';
import { readLines } from './read-lines.ts';

const P = 'Dec  3 09:06:17 mx1 postfix';
const MID = 'message-id=<bw-pipe-1@harness.test>';
const first = [
  `${P}/smtpd[21357]: 0A18E20C8F0: client=unknown[127.1.20.1]`,
  `${P}/cleanup[21223]: 0A18E20C8F0: ${MID}`,
  `${P}/qmgr[21217]: 0A18E20C8F0: from=<ghost201@shop201.victims.test>, size=473, nrcpt=1 (queue active)`,
];
const handOff = [
  `${P}/pipe[21358]: 0A18E20C8F0: to=<nobody201@pfx.test>, relay=simplefilter, delay=0.26, delays=0.1/0.02/0/0.14, dsn=2.0.0, status=sent (delivered via simplefilter service)`,
  `${P}/qmgr[21217]: 0A18E20C8F0: removed`,
];
const copy = (sender: string) => [
  `${P}/pickup[21216]: 445B220C8F8: uid=65534 from=<${sender}>`,
  `${P}/cleanup[21225]: 445B220C8F8: ${MID}`,
  `${P}/qmgr[21217]: 445B220C8F8: from=<${sender}>, size=585, nrcpt=1 (queue active)`,
  `${P}/local[21232]: 445B220C8F8: to=<nobody201@pfx.test>, relay=local, delay=0.02, delays=0.02/0/0/0, dsn=5.1.1, status=bounced (unknown user: "nobody201")`,
  `${P}/bounce[21229]: 445B220C8F8: sender non-delivery notification: 4616620C8F5`,
  `${P}/qmgr[21217]: 4616620C8F5: from=<>, size=2358, nrcpt=1 (queue active)`,
  `${P}/qmgr[21217]: 445B220C8F8: removed`,
];
const ndrSent = [
  `${P}/smtp[21227]: 4616620C8F5: to=<${'ghost201@shop201.victims.test'}>, relay=127.0.0.41[127.0.0.41]:25, delay=0.06, delays=0.01/0/0.05/0, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as MX00023)`,
  `${P}/qmgr[21217]: 4616620C8F5: removed`,
];

const read = readLines;

const oneMessage = {
  queue_id: '0A18E20C8F0', queue_ids: ['0A18E20C8F0', '445B220C8F8'], origin: 'smtp', client_ip: '127.1.20.1', remote: true,
  sender: 'ghost201@shop201.victims.test', outcome: 'bounced_after_accept', backscatter: true,
  recipients: [{ address: 'nobody201@pfx.test', status: 'bounced', cause: 'unknown_recipient' }],
  ndr: { queue_id: '4616620C8F5', to: 'ghost201@shop201.victims.test', fate: 'delivered' },
};

describe('pipe content filter re-injected through pickup', () => {
  it('the copy logged after the hand-off continues the SMTP message', async () => {
    const msgs = await read([...first, ...handOff, ...copy('ghost201@shop201.victims.test'), ...ndrSent]);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject(oneMessage);
  }, 30_000);

  it('the copy whose whole life is logged before the hand-off (as the real Postfix did) too', async () => {
    const msgs = await read([...first, ...copy('ghost201@shop201.victims.test'), ...handOff, ...ndrSent]);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject(oneMessage);
  }, 30_000);

  it('lines of different processes in any order: the copy\'s pickup line after its cleanup line, the pipe line between', async () => {
    const [pickup, cleanup, ...rest] = copy('ghost201@shop201.victims.test');
    const msgs = await read([...first, cleanup!, ...handOff, pickup!, ...rest, ...ndrSent]);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject(oneMessage);
  }, 30_000);

  it('a copy with another sender is not linked: a local submission of its own', async () => {
    const msgs = await read([...first, ...handOff, ...copy('other@shop201.victims.test'), ...ndrSent]);
    expect(msgs.map((m) => [m.queue_id, m.origin, m.outcome]).sort()).toEqual([
      ['0A18E20C8F0', 'smtp', 'delivered'],
      ['445B220C8F8', 'local', 'bounced_after_accept'],
    ]);
  }, 30_000);
});
