// The Store contract: what any implementation of src/store/store.ts must do, written against
// the interface only. Each backend's test file runs it with its own factory (SQLite today:
// contract.test.ts; PostgreSQL will run the same). Expected values come from the batches the
// test writes, by hand, never from the store under test.
import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../src/correlate/record.ts';
import { StoreBusyError, type Store } from '../../src/store/store.ts';
import type { BlocklistCheck, MessageWrite, PositionWrite, WriteBatch } from '../../src/store/types.ts';
import { hostContract } from './contract-hosts.ts';

export interface Backend {
  /** A new, empty store (migrated). */
  open(): Promise<Store>;
  /** The same store opened again (another connection or process would see this). */
  reopen(store: Store): Promise<Store>;
  /** Makes writes of `store` find it busy until the returned function is called. */
  holdWriteLock(store: Store): Promise<() => Promise<void>>;
}

export const H = 3_600_000;
export const T0 = Date.UTC(2026, 10, 2, 10, 0, 0);

export function record(over: Partial<MessageRecord> & Pick<MessageRecord, 'queue_id' | 'received_at'>): MessageRecord {
  return {
    mta: 'postfix', host: 'mx1', queue_ids: [over.queue_id], message_id: null, origin: 'smtp',
    client_ip: '192.0.2.7', client_name: 'spam.example', helo: 'spam.example', authenticated: false, remote: true,
    sender: 'forged@victim.example', recipients: [], outcome: 'delivered', ndr: null, notifications: [], backscatter: false,
    ...over,
  };
}

/** A message bounced for an unknown user, whose NDR went to a forged sender and was refused. */
const bounced = record({
  queue_id: 'AAA111', received_at: new Date(T0 + 60_000).toISOString(), outcome: 'bounced_after_accept', backscatter: true,
  recipients: [{ address: 'nobody@ours.example', orig_address: null, status: 'bounced', dsn: '5.1.1', cause: 'unknown_recipient', reason: 'User unknown' }],
  ndr: { queue_id: 'NDR222', to: 'forged@victim.example', fate: 'rejected' },
  notifications: [{ queue_id: 'NDR222', type: 'non_delivery', to: 'forged@victim.example', fate: 'rejected', cause: null, reason: null }],
});

/** A delivered message, still open (its correlator state kept). */
const delivered = record({
  queue_id: 'BBB333', received_at: new Date(T0 + 2 * 60_000).toISOString(), sender: 'friend@elsewhere.example', client_ip: '198.51.100.9',
  recipients: [{ address: 'user@ours.example', orig_address: null, status: 'sent', dsn: '2.0.0', cause: null, reason: null }],
});

export function write(rec: MessageRecord, over: Partial<MessageWrite> = {}): MessageWrite {
  const at = Date.parse(rec.received_at);
  return {
    id: undefined, record: rec, firstAt: at, lastAt: at + 1000, senderDomain: rec.sender?.split('@')[1] ?? null,
    ndrCount: rec.notifications.filter((n) => n.type === 'non_delivery').length, delayBackscatter: 0,
    relays: rec.recipients.map(() => null), state: null, lines: `line of ${rec.queue_id} 1\nline of ${rec.queue_id} 2`,
    absorbed: [], fromSpill: false, ...over,
  };
}

const position: PositionWrite = { fingerprint: 'fp-abc', fpLen: 64, path: '/var/log/mail.log', offset: 4096, lines: 40, yearState: 2026 };

export function batch(over: Partial<WriteBatch> = {}): WriteBatch {
  return {
    messages: [], spillOnly: [], dropped: [], rejects: [], counts: new Map(), unknownSamples: [], learnedDomains: [], positions: [],
    clock: { now: T0 + H, lastLineAt: T0 + H, lastTime: T0 + H }, ...over,
  };
}

async function all(store: Store): Promise<MessageRecord[]> {
  const out: MessageRecord[] = [];
  for await (const m of store.messages(await store.period())) out.push(m);
  return out;
}

export function storeContract(name: string, backend: Backend): void {
  describe(`Store contract: ${name}`, () => {
    it('starts empty', async () => {
      const store = await backend.open();
      expect(await store.messageCount()).toBe(0);
      expect(await all(store)).toEqual([]);
      expect(await store.ingestState()).toEqual({ open: [], clock: undefined, learnedDomains: [] });
      expect(await store.knownFiles()).toEqual([]);
      expect(await store.checkpoint('/var/log/mail.log')).toBeUndefined();
      expect(await store.period()).toEqual({ from: 0, to: 0 });
      await store.close();
    });

    it('gives back what a batch wrote: records, lines, positions, counters, clock, open state', async () => {
      const store = await backend.open();
      const counts = new Map([[T0, { total: 50, mail: 45, unknown: 3, other: 2 }]]);
      const { ids } = await store.write(batch({
        messages: [write(bounced), write(delivered, { state: '{"open":true}' })],
        counts,
        unknownSamples: [{ program: 'postfix/smtpd', line: 'a strange line', at: T0 }],
        learnedDomains: ['ours.example'],
        positions: [{ ...position, checkpoint: { path: '/var/log/mail.log', since: T0 } }],
        rejects: [{
          time: T0 + 30_000, mta: 'postfix', host: 'mx1', qid: null, action: 'reject', stage: 'RCPT', by: 'postfix/smtpd',
          clientIp: '203.0.113.5', clientName: 'scan.example', helo: 'scan', sender: 'x@y.example', recipient: 'a@ours.example',
          code: '550', dsn: '5.1.1', cause: 'unknown_recipient', reason: 'User unknown in local recipient table', line: 'NOQUEUE: reject ...',
        }],
      }));
      expect(ids).toHaveLength(2);
      expect(new Set(ids).size).toBe(2);

      expect(await all(store)).toEqual([bounced, delivered]);
      expect(await store.messageCount()).toBe(2);
      const trace = await store.messageTrace('mx1', 'AAA111');
      expect(trace).toEqual({ message: bounced, lines: ['line of AAA111 1', 'line of AAA111 2'] });
      expect(await store.messageTrace('mx1', 'NOPE')).toBeUndefined();

      const p = await store.period();
      expect(p.from).toBe(T0);
      expect(await store.lineTotals(p)).toEqual({ total: 50, mail: 45, unknown: 3, other: 2 });
      const c = await store.counters(p);
      expect(c).toMatchObject({ accepted: 2, accepted_remote: 2, delivered: 1, bounced_after_accept: 1, ndrs: 1, backscatter: 1, backscatter_ndrs: 1, rejected_at_smtp: 1 });
      expect(await store.causes(p)).toEqual({ unknown_recipient: 1 });
      expect(await store.backscatterFates(p)).toEqual({ rejected: 1 });
      expect(await store.rejectCauses(p)).toEqual([{ cause: 'unknown_recipient', count: 1 }]);
      expect(await store.countMessages(p, { backscatter: true })).toEqual({ total: 1, capped: false });
      expect(await store.hosts(p)).toEqual(['mx1']);

      expect(await store.knownFiles()).toEqual([{ fingerprint: 'fp-abc', offset: 4096, fpLen: 64, lines: 40, yearState: 2026 }]);
      expect(await store.checkpoint('/var/log/mail.log')).toMatchObject({ since: T0, file: { fingerprint: 'fp-abc', offset: 4096, path: '/var/log/mail.log' } });

      const state = await store.ingestState();
      expect(state.open).toEqual([{ id: ids[1], state: '{"open":true}' }]);
      expect(state.clock).toEqual({ now: T0 + H, lastLineAt: T0 + H, lastTime: T0 + H });
      expect(state.learnedDomains).toEqual(['ours.example']);
      await store.close();
    });

    it('updates a message written before instead of adding it again, and drops one that was no message', async () => {
      const store = await backend.open();
      const { ids } = await store.write(batch({ messages: [write(delivered, { state: '{}' }), write(bounced)] }));
      const later = { ...delivered, outcome: 'bounced_after_accept' as const,
        recipients: [{ ...delivered.recipients[0]!, status: 'bounced' as const, cause: 'mailbox_full' as const, reason: 'quota' }] };
      await store.write(batch({ messages: [write(later, { id: ids[0], lines: 'one more line' })], dropped: [{ id: ids[1]!, fromSpill: false }] }));
      expect(await all(store)).toEqual([later]);
      expect((await store.messageTrace('mx1', 'BBB333'))?.lines).toEqual(['line of BBB333 1', 'line of BBB333 2', 'one more line']);
      expect((await store.ingestState()).open).toEqual([]);
      await store.close();
    });

    it('keeps a spilled message out of the open ones, and hands it back by queue id or deadline', async () => {
      const store = await backend.open();
      const spill = { deadline: T0 + 5 * H, qids: ['BBB333', 'CCC444'], state: '{"spilled":1}' };
      const { ids } = await store.write(batch({ messages: [write(delivered, { spill })] }));
      expect((await store.ingestState()).open).toEqual([]);
      const reader = store.spill();
      reader.written([{ host: 'mx1', qids: spill.qids }]);
      expect(reader.due(T0)).toEqual([]);
      expect(reader.take('mx1', 'CCC444')).toEqual({ id: ids[0], state: '{"spilled":1}' });
      // Handed out once until the next write.
      expect(reader.take('mx1', 'BBB333')).toBeUndefined();
      expect(reader.take('mx2', 'BBB333')).toBeUndefined();
      await store.close();
    });

    it('writes a batch whole or not at all', async () => {
      const store = await backend.open();
      const bad = batch({
        messages: [write(bounced)],
        positions: [position],
        // A reject without its time cannot be stored: the whole batch must fail.
        rejects: [{ time: null as unknown as number, mta: 'postfix', host: 'mx1', qid: null, action: 'reject', stage: 'RCPT', by: 'x',
          clientIp: null, clientName: null, helo: null, sender: null, recipient: null, code: null, dsn: null, cause: 'other', reason: '', line: '' }],
      });
      await expect(store.write(bad)).rejects.toThrow();
      expect(await store.messageCount()).toBe(0);
      expect(await store.knownFiles()).toEqual([]);
      await store.close();
    });

    it('says busy, writing nothing, while another writer holds on; the same batch goes in later', async () => {
      const store = await backend.open();
      const release = await backend.holdWriteLock(store);
      const b = batch({ messages: [write(bounced)], positions: [position] });
      await expect(store.write(b)).rejects.toBeInstanceOf(StoreBusyError);
      await release();
      await store.write(b);
      expect(await all(store)).toEqual([bounced]);
      await store.close();
    });

    it('keeps the newest journal position of each sequence, never moving it back', async () => {
      const store = await backend.open();
      const j = (seqnum: number, realtimeUs: number, seqnumId = 'aaaa') =>
        ({ source: 'journal', seqnumId, seqnum, cursor: `s=${seqnumId};i=${seqnum.toString(16)}`, realtimeUs });
      await store.write(batch({ journal: [j(10, 1_000)] }));
      await store.write(batch({ journal: [j(12, 3_000), j(5, 2_000, 'bbbb')] }));
      // A re-import of older entries of the same sequence leaves it where it was.
      await store.write(batch({ journal: [j(11, 2_500)] }));
      expect(await store.journalPositions()).toEqual([j(12, 3_000), j(5, 2_000, 'bbbb')]);
      await store.close();
    });

    it('keeps everything across a reopen', async () => {
      const store = await backend.open();
      await store.write(batch({ messages: [write(bounced)], positions: [position] }));
      const again = await backend.reopen(store);
      expect(await all(again)).toEqual([bounced]);
      expect(await again.knownFiles()).toHaveLength(1);
      await again.close();
    });

    it('retains by the newest log time, keeping open messages', async () => {
      const store = await backend.open();
      const old = record({ queue_id: 'OLD1', received_at: new Date(T0 - 40 * 24 * H).toISOString() });
      const oldOpen = record({ queue_id: 'OLD2', received_at: new Date(T0 - 40 * 24 * H).toISOString() });
      await store.write(batch({ messages: [write(old), write(oldOpen, { state: '{}' }), write(delivered)] }));
      const r = await store.retain(30, T0 + 24 * H);
      expect(r.messages).toBe(1);
      expect((await all(store)).map((m) => m.queue_id)).toEqual(['OLD2', 'BBB333']);
      await store.close();
    });

    it('records the digests sent and totals the metrics', async () => {
      const store = await backend.open();
      await store.write(batch({ messages: [write(bounced), write(delivered)], counts: new Map([[T0, { total: 9, mail: 7, unknown: 1, other: 1 }]]) }));
      await store.recordDigest({ period: { from: T0, to: T0 + H }, sentAt: T0 + 2 * H, recipients: ['pm@ours.example'], transport: 'stdout', subject: 's', messageId: null });
      expect(await store.digests()).toEqual([{ period_from: T0, period_to: T0 + H, sent_at: T0 + 2 * H, recipients: '["pm@ours.example"]', transport: 'stdout', subject: 's', message_id: null }]);
      const m = await store.metricTotals();
      expect(Object.fromEntries(m.outcomes.map((o) => [o.outcome, o.n]))).toEqual({ bounced_after_accept: 1, delivered: 1 });
      expect(m.causes).toEqual([{ cause: 'unknown_recipient', n: 1 }]);
      expect(m.backscatterNdrs).toBe(1);
      expect(m.lines).toEqual({ mail: 7, unknown: 1, other: 1 });
      expect(await store.gapCounts()).toEqual({});
      await store.close();
    });

    it('keeps each (address, list) status since its first check, through failed checks, and forgets what is no longer checked', async () => {
      const store = await backend.open();
      const check = (status: BlocklistCheck['status'], at: number, over: Partial<BlocklistCheck> = {}): BlocklistCheck => ({
        address: '192.0.2.25', zone: 'bl.test', status, codes: status === 'listed' ? ['127.0.0.2'] : [], reasons: status === 'listed' ? ['backscatter'] : [],
        meaning: status === 'listed' ? 'listed' : null, error: status === 'unknown' ? 'SERVFAIL' : null, checked_at: at, agent: 'mx1', ...over,
      });
      await store.recordBlocklist([check('not_listed', T0), check('unknown', T0, { zone: 'down.test' })]);
      await store.recordBlocklist([check('listed', T0 + H)]);
      await store.recordBlocklist([check('listed', T0 + 2 * H, { reasons: ['still'] })]);
      await store.recordBlocklist([check('unknown', T0 + 3 * H)]);
      expect(await store.blocklistStatus()).toEqual([
        { address: '192.0.2.25', zone: 'bl.test', status: 'listed', since: T0 + H, checked_at: T0 + 3 * H, codes: ['127.0.0.2'], reasons: ['still'],
          meaning: 'listed', last_error: 'SERVFAIL', agent: 'mx1' },
        { address: '192.0.2.25', zone: 'down.test', status: 'unknown', since: T0, checked_at: T0, codes: [], reasons: [], meaning: null, last_error: 'SERVFAIL', agent: 'mx1' },
      ]);
      await store.recordBlocklist([check('not_listed', T0 + 4 * H)]);
      expect((await store.blocklistStatus())[0]).toMatchObject({ status: 'not_listed', since: T0 + 4 * H, codes: [], reasons: [], last_error: null });
      expect(await store.forgetBlocklist('mx2', [])).toBe(0);
      expect(await store.forgetBlocklist('mx1', [{ address: '192.0.2.25', zone: 'bl.test' }])).toBe(1);
      expect((await store.blocklistStatus()).map((r) => r.zone)).toEqual(['bl.test']);
      await store.close();
    });

    it('opens one firing alert per (rule, key), resolves it once, and lists alerts newest first', async () => {
      const store = await backend.open();
      const a = { rule: 'scan', key: '192.0.2.7', host: null, started_at: T0, fired_at: T0 + 5, title: 't', value: 30, threshold: 20, evidence: '{}' };
      const first = await store.openAlert(a);
      expect(first).toMatchObject({ ...a, state: 'firing', resolved_at: null, notified_firing: false, notified_resolved: false });
      expect(await store.openAlert({ ...a, started_at: T0 + H })).toBeUndefined();
      const other = await store.openAlert({ ...a, key: '192.0.2.8', started_at: T0 + H });
      await store.markNotified(first!.id, 'firing');
      expect(await store.resolveAlert(first!.id, T0 + 2 * H)).toBe(true);
      expect(await store.resolveAlert(first!.id, T0 + 3 * H)).toBe(false);
      const again = await store.openAlert({ ...a, started_at: T0 + 4 * H });
      expect(again!.id).not.toBe(first!.id);
      expect((await store.alerts()).map((x) => [x.id, x.state])).toEqual([[again!.id, 'firing'], [other!.id, 'firing'], [first!.id, 'resolved']]);
      expect(await store.alerts({ state: 'resolved' })).toEqual([{ ...first, state: 'resolved', resolved_at: T0 + 2 * H, notified_firing: true }]);
      expect((await store.alerts({ from: T0 + H, to: T0 + 4 * H })).map((x) => x.id)).toEqual([other!.id]);
      expect((await store.alerts({ rule: 'scan', key: '192.0.2.7', limit: 1 })).map((x) => x.id)).toEqual([again!.id]);
      await store.close();
    });

    hostContract(backend);
  });
}
