// The Store contract for a fleet (issue 16): two MTA hosts write into one store, and every read
// narrowed to one host (the Period's `host`, the message filter's `host`) sees that host alone;
// hostTotals splits a period by host. Run by storeContract (contract.ts) on every backend.
// Expected values come from the batch written here, by hand.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import type { MessageFilter, Period, RejectWrite } from '../../src/store/types.ts';
import { batch, H, record, T0, write, type Backend } from './contract.ts';

/** mx1 (Postfix): one backscatter bounce for an unknown user, one reject. mx2 (Exim): a full mailbox bounce, a delivery, three rejects. */
function fleet() {
  const at = (ms: number) => new Date(T0 + ms).toISOString();
  const mx1Bounce = record({
    queue_id: 'AAA111', received_at: at(60_000), outcome: 'bounced_after_accept', backscatter: true,
    recipients: [{ address: 'nobody@ours.example', orig_address: null, status: 'bounced', dsn: '5.1.1', cause: 'unknown_recipient', reason: 'User unknown' }],
    ndr: { queue_id: 'NDR222', to: 'forged@victim.example', fate: 'rejected' },
    notifications: [{ queue_id: 'NDR222', type: 'non_delivery', to: 'forged@victim.example', fate: 'rejected', cause: null, reason: null }],
  });
  const mx2Bounce = record({
    mta: 'exim', host: 'mx2', queue_id: '1tAAAA-000001-AB', received_at: at(2 * H + 5 * 60_000), outcome: 'bounced_after_accept', backscatter: true,
    recipients: [{ address: 'full@two.example', orig_address: null, status: 'bounced', dsn: '5.2.2', cause: 'mailbox_full', reason: 'mailbox is full' }],
    ndr: { queue_id: '1tBBBB-000002-CD', to: 'forged@victim.example', fate: 'delivered' },
    notifications: [{ queue_id: '1tBBBB-000002-CD', type: 'non_delivery', to: 'forged@victim.example', fate: 'delivered', cause: null, reason: null }],
  });
  const mx2Delivered = record({
    mta: 'exim', host: 'mx2', queue_id: '1tCCCC-000003-EF', received_at: at(3 * H), sender: 'friend@elsewhere.example',
    recipients: [{ address: 'user@two.example', orig_address: null, status: 'sent', dsn: '2.0.0', cause: null, reason: null }],
  });
  const reject = (time: number, mta: 'postfix' | 'exim', host: string): RejectWrite => ({
    time, mta, host, qid: null, action: 'reject', stage: 'RCPT', by: mta === 'exim' ? 'exim' : 'postfix/smtpd',
    clientIp: '203.0.113.5', clientName: 'scan.example', helo: 'scan', sender: 'x@y.example', recipient: 'a@ours.example',
    code: '550', dsn: '5.1.1', cause: 'unknown_recipient', reason: 'User unknown', line: 'reject ...',
  });
  const rejects = [reject(T0 + 30_000, 'postfix', 'mx1'), ...[10, 11, 12].map((m) => reject(T0 + 2 * H + m * 60_000, 'exim', 'mx2'))];
  return { mx1Bounce, mx2Bounce, mx2Delivered, rejects };
}

async function list(store: Store, p: Period, f: MessageFilter = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const m of store.messages(p, f)) out.push(`${m.host} ${m.queue_id}`);
  return out;
}

const totals = (host: string, mta: 'postfix' | 'exim', accepted: number, rejected: number) =>
  ({ host, mtas: [mta], accepted, rejected_at_smtp: rejected, bounced_after_accept: 1, ndrs: 1, backscatter: 1, backscatter_ndrs: 1 });

export function hostContract(backend: Backend): void {
  describe('a fleet: two hosts in one store', () => {
    let store: Store;
    let data: ReturnType<typeof fleet>;

    it('narrows the period to one host: its bounds, and nothing for a host it never saw', async () => {
      store = await backend.open();
      data = fleet();
      await store.write(batch({
        messages: [write(data.mx1Bounce), write(data.mx2Bounce), write(data.mx2Delivered)], rejects: data.rejects,
        counts: new Map([[T0, { total: 10, mail: 9, unknown: 1, other: 0 }]]),
      }));
      expect(await store.period(undefined, undefined, 'mx2')).toEqual({ from: T0 + 2 * H + 5 * 60_000, to: T0 + 3 * H + 1000 + 1, host: 'mx2' });
      expect(await store.period(undefined, undefined, 'mx1')).toEqual({ from: T0 + 30_000, to: T0 + 60_000 + 1000 + 1, host: 'mx1' });
      expect(await store.period(T0, T0 + H, 'elsewhere')).toEqual({ from: T0, to: T0 + H, host: 'elsewhere' });
      expect(await store.period(undefined, undefined, 'elsewhere')).toEqual({ from: 0, to: 0, host: 'elsewhere' });
    });

    // The whole data (edges inside hours: raw rows and rollups) and whole hours only (rollups).
    for (const [name, period] of [['the data', () => store.period()], ['whole hours', async () => ({ from: T0, to: T0 + 4 * H })]] as const) {
      it(`reads one host's rows only, over ${name}`, async () => {
        const p: Period = await period();
        const mx1 = { ...p, host: 'mx1' };
        const mx2 = { ...p, host: 'mx2' };
        expect(await store.counters(mx1)).toMatchObject({ accepted: 1, delivered: 0, bounced_after_accept: 1, ndrs: 1, backscatter: 1, rejected_at_smtp: 1 });
        expect(await store.counters(mx2)).toMatchObject({ accepted: 2, delivered: 1, bounced_after_accept: 1, ndrs: 1, backscatter: 1, rejected_at_smtp: 3 });
        expect(await store.counters({ ...p, host: 'elsewhere' })).toMatchObject({ accepted: 0, rejected_at_smtp: 0, backscatter: 0 });
        expect(await store.causes(mx1)).toEqual({ unknown_recipient: 1 });
        expect(await store.causes(mx2)).toEqual({ mailbox_full: 1 });
        expect(await store.backscatterFates(mx2)).toEqual({ delivered: 1 });
        expect(await store.rejectCauses(mx2)).toEqual([{ cause: 'unknown_recipient', count: 3 }]);
        expect(await store.hosts(p)).toEqual(['mx1', 'mx2']);
        expect(await store.hosts(mx2)).toEqual(['mx2']);
        expect((await store.timeseries(mx2, 'day')).reduce((a, pt) => a + pt.delivered, 0)).toBe(1);
        expect((await store.timeseries(mx1, 'day')).reduce((a, pt) => a + pt.rejected_at_smtp, 0)).toBe(1);
        expect(await store.sources(mx1, 'cause')).toEqual([{ cause: 'unknown_recipient', count: 1, filter: 'cause=unknown_recipient' }]);
        expect((await store.sources(mx2, 'sender_domain')).map((r) => r.sender_domain)).toEqual(['victim.example']);
        expect(await store.scanSuspects(mx2, 'exim')).toEqual([{ client_ip: '203.0.113.5', client_name: 'scan.example', unknown_recipient: 3 }]);
        expect(await store.scanSuspects(mx1, 'exim')).toEqual([]);
        expect((await store.auditEvidence(mx2, 'exim', 'mailbox_full')).messages).toBe(1);
        expect((await store.auditEvidence(mx1, 'exim', 'mailbox_full')).messages).toBe(0);
        // Line counters have no host: a host's period gets every host's lines.
        expect(await store.lineTotals(mx2)).toEqual(await store.lineTotals(p));
      });

      it(`lists messages by host (period or filter), and splits the period by host, over ${name}`, async () => {
        const p: Period = await period();
        expect(await list(store, { ...p, host: 'mx2' })).toEqual(['mx2 1tAAAA-000001-AB', 'mx2 1tCCCC-000003-EF']);
        expect(await list(store, p, { host: 'mx1' })).toEqual(['mx1 AAA111']);
        expect(await list(store, { ...p, host: 'mx1' }, { host: 'mx2' })).toEqual([]);
        expect(await store.countMessages(p, { host: 'mx2' })).toEqual({ total: 2, capped: false });
        expect(await store.countMessages({ ...p, host: 'mx2' }, { backscatter: true })).toEqual({ total: 1, capped: false });
        expect(await store.hostTotals(p)).toEqual([totals('mx1', 'postfix', 1, 1), totals('mx2', 'exim', 2, 3)]);
        expect(await store.hostTotals({ ...p, host: 'mx2' })).toEqual([totals('mx2', 'exim', 2, 3)]);
        expect(await store.hostTotals({ ...p, host: 'elsewhere' })).toEqual([]);
        expect(await store.sources(p, 'host')).toEqual([
          { ...totals('mx1', 'postfix', 1, 1), mtas: 'postfix', filter: 'host=mx1' },
          { ...totals('mx2', 'exim', 2, 3), mtas: 'exim', filter: 'host=mx2' },
        ]);
      });

      it(`groups advice by MTA, host and rule, over ${name}`, async () => {
        const p: Period = await period();
        const mx1 = { mta: 'postfix', host: 'mx1', rule: 'unknown_local', messages: 1, ndrs: 1, backscatter: 1, size_limit: null,
          examples: [{ host: 'mx1', queue_id: 'AAA111', recipient: 'nobody@ours.example', reason: 'User unknown' }],
          domains: ['ours.example'], recipients: ['nobody@ours.example'], relays: [], aliases: [] };
        const mx2 = { mta: 'exim', host: 'mx2', rule: 'mailbox_full', messages: 1, ndrs: 1, backscatter: 1, size_limit: null,
          examples: [{ host: 'mx2', queue_id: '1tAAAA-000001-AB', recipient: 'full@two.example', reason: 'mailbox is full' }],
          domains: ['two.example'], recipients: ['full@two.example'], relays: [], aliases: [] };
        expect(await store.adviceGroups(p)).toEqual([mx2, mx1]);
        expect(await store.adviceGroups({ ...p, host: 'mx1' })).toEqual([mx1]);
        expect(await store.adviceGroups({ ...p, host: 'elsewhere' })).toEqual([]);
      });
    }

    it('closes', async () => {
      await store.close();
    });
  });
}

