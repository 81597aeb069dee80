// The correlator alone: parsed events fed to the Tracker with times we choose, and the records
// (recordOf) and deadlines that follow. Grace after close (10 minutes of log time), the stale
// deadline of an open message (7 days), a queue id reused after `removed`.
import { describe, expect, it } from 'vitest';
import type { LineHead, MailEvent } from '../../src/parse/events.ts';
import { LocalDomains } from '../../src/correlate/local-domains.ts';
import { NetworkList } from '../../src/correlate/networks.ts';
import { recordOf, type Judge, type MessageRecord } from '../../src/correlate/record.ts';
import { Tracker } from '../../src/correlate/tracker.ts';
import type { Track } from '../../src/correlate/track.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
const T0 = Date.UTC(2026, 11, 3, 12, 0, 0);
const GRACE = 10 * MINUTE;

const REMOTE = { name: 'unknown', ip: '203.0.113.9' };
const FORGED = 'ghost@victims.test';

/** One correlator on host mx1, its local domain pfx.test, fed Postfix events at chosen times. */
class Feed {
  readonly tracker = new Tracker(new LocalDomains(['pfx.test']));
  readonly judge: Judge = { internal: NetworkList.parse('127.0.0.0/8'), isLocalDomain: (d) => this.tracker.localDomains.has(d) };
  /** Every trace the tracker wrote as done, in order. */
  readonly done: Track[] = [];

  at(time: number, daemon: string, ev: MailEvent): this {
    const head: LineHead = { time, host: 'mx1', program: `postfix/${daemon}`, daemon, body: '' };
    this.tracker.handle('postfix', head, ev, `${new Date(time).toISOString()} mx1 postfix/${daemon}: ${ev.kind}`);
    this.done.push(...this.tracker.drain().done);
    return this;
  }

  /**
   * The clock moves only to a time two lines in a row reached: two lines of an unrelated
   * connection at `time` move it there (the client went away: never a message).
   */
  clockTo(time: number): this {
    this.at(time, 'smtpd', { kind: 'client', qid: `C${time}`, client: { name: 'unknown', ip: '198.51.100.1' } });
    return this.at(time, 'smtpd', { kind: 'client', qid: `D${time}`, client: { name: 'unknown', ip: '198.51.100.2' } });
  }

  records(): MessageRecord[] {
    return this.done.map((t) => recordOf(t, this.judge));
  }
}

/** A forged-sender message from a remote client, accepted as `qid` at `t`, for one recipient. */
function accepted(feed: Feed, qid: string, t: number, sender = FORGED): Feed {
  return feed
    .at(t, 'smtpd', { kind: 'client', qid, client: REMOTE })
    .at(t + SECOND, 'cleanup', { kind: 'message_id', qid, messageId: `${qid}@victims.test` })
    .at(t + SECOND, 'qmgr', { kind: 'envelope', qid, sender, size: 900, nrcpt: 1 });
}

describe('Tracker: accepted, bounced, the NDR made and delivered', () => {
  const feed = () => {
    const f = accepted(new Feed(), 'A1', T0)
      .at(T0 + 2 * SECOND, 'local', { kind: 'delivery', qid: 'A1', agent: 'local', to: 'nobody@pfx.test', relay: 'local', dsn: '5.1.1', status: 'bounced', reason: 'unknown user: "nobody"' })
      .at(T0 + 2 * SECOND, 'bounce', { kind: 'notification', qid: 'A1', type: 'sender_ndr', newQid: 'N1' })
      .at(T0 + 2 * SECOND, 'qmgr', { kind: 'envelope', qid: 'N1', sender: '', size: 2200, nrcpt: 1 })
      .at(T0 + 2 * SECOND, 'qmgr', { kind: 'removed', qid: 'A1' });
    return f;
  };
  const ndrRefused = {
    kind: 'delivery', qid: 'N1', agent: 'smtp', to: FORGED, relay: 'mx.victims.test[192.0.2.7]:25', dsn: '5.1.1', status: 'bounced',
    reason: 'host mx.victims.test[192.0.2.7] said: 550 5.1.1 <ghost@victims.test>: User unknown (in reply to RCPT TO command)',
  } as const;

  it('holds the message open while its NDR is queued, whatever the time', () => {
    const f = feed().clockTo(T0 + 2 * DAY);
    expect(f.done.filter((t) => t.qids[0]!.qid === 'A1')).toEqual([]);
  });

  it('keeps it for the grace after the NDR is removed, then writes one record: backscatter refused by the forged domain', () => {
    const closed = T0 + 4 * SECOND;
    const f = feed().at(closed, 'smtp', ndrRefused).at(closed, 'qmgr', { kind: 'removed', qid: 'N1' });
    f.clockTo(closed + GRACE - SECOND);
    expect(f.records().filter((r) => r.queue_id === 'A1'), 'still in its grace').toEqual([]);
    f.clockTo(closed + GRACE);
    const records = f.records().filter((r) => r.queue_id === 'A1');
    expect(records).toEqual([
      {
        mta: 'postfix', host: 'mx1', queue_id: 'A1', queue_ids: ['A1'], message_id: 'A1@victims.test', origin: 'smtp',
        received_at: new Date(T0).toISOString(), client_ip: '203.0.113.9', client_name: 'unknown', helo: null,
        authenticated: false, remote: true, sender: FORGED,
        recipients: [{ address: 'nobody@pfx.test', orig_address: null, status: 'bounced', dsn: '5.1.1', cause: 'unknown_recipient', reason: 'unknown user: "nobody"' }],
        outcome: 'bounced_after_accept',
        ndr: { queue_id: 'N1', to: FORGED, fate: 'rejected' },
        notifications: [{ queue_id: 'N1', type: 'non_delivery', to: FORGED, fate: 'rejected', cause: 'unknown_recipient', reason: ndrRefused.reason }],
        backscatter: true,
      },
    ]);
  });

  it('a late line of the NDR within the grace reopens nothing and still lands on the message', () => {
    const closed = T0 + 4 * SECOND;
    const f = feed().at(closed, 'smtp', ndrRefused).at(closed, 'qmgr', { kind: 'removed', qid: 'N1' });
    f.at(closed + 5 * MINUTE, 'cleanup', { kind: 'message_id', qid: 'N1', messageId: 'N1@mx1.pfx.test' });
    f.clockTo(closed + 5 * MINUTE + GRACE);
    const [record] = f.records().filter((r) => r.queue_id === 'A1');
    expect(record?.ndr).toEqual({ queue_id: 'N1', to: FORGED, fate: 'rejected' });
    expect(f.records().filter((r) => r.queue_id === 'N1'), 'the NDR is no message of its own').toEqual([]);
  });
});

describe('Tracker: deferred, then the queue lifetime runs out', () => {
  const deferred = (f: Feed, at: number) =>
    f.at(at, 'smtp', { kind: 'delivery', qid: 'B1', agent: 'smtp', to: 'stuck@relay.pfx.test', relay: '192.0.2.31[192.0.2.31]:25', dsn: '4.3.0', status: 'deferred', reason: 'host 192.0.2.31[192.0.2.31] said: 451 4.3.0 Temporary lookup failure (in reply to RCPT TO command)' });

  it('is open (pending) through days of deferrals, then expired, with the NDR delivered to the forged sender', () => {
    const f = deferred(deferred(accepted(new Feed(), 'B1', T0), T0 + 2 * SECOND), T0 + 4 * DAY);
    f.clockTo(T0 + 5 * DAY);
    expect(f.done.some((t) => t.qids[0]!.qid === 'B1'), 'an open message is not written as done').toBe(false);
    const gaveUp = T0 + 5 * DAY + MINUTE;
    f.at(gaveUp, 'qmgr', { kind: 'expired', qid: 'B1', sender: FORGED })
      .at(gaveUp, 'bounce', { kind: 'notification', qid: 'B1', type: 'sender_ndr', newQid: 'N2' })
      .at(gaveUp, 'qmgr', { kind: 'removed', qid: 'B1' })
      .at(gaveUp + SECOND, 'qmgr', { kind: 'envelope', qid: 'N2', sender: '', size: 2300, nrcpt: 1 })
      .at(gaveUp + 2 * SECOND, 'smtp', { kind: 'delivery', qid: 'N2', agent: 'smtp', to: FORGED, relay: 'mx.victims.test[192.0.2.7]:25', dsn: '2.0.0', status: 'sent', reason: '250 2.0.0 Ok: queued as 4Xyz' })
      .at(gaveUp + 2 * SECOND, 'qmgr', { kind: 'removed', qid: 'N2' })
      .clockTo(gaveUp + 2 * SECOND + GRACE);
    const [record] = f.records().filter((r) => r.queue_id === 'B1');
    expect(record?.recipients).toEqual([
      { address: 'stuck@relay.pfx.test', orig_address: null, status: 'expired', dsn: '4.3.0', cause: 'expired', reason: 'host 192.0.2.31[192.0.2.31] said: 451 4.3.0 Temporary lookup failure (in reply to RCPT TO command)' },
    ]);
    expect(record?.outcome).toBe('bounced_after_accept');
    expect(record?.ndr).toEqual({ queue_id: 'N2', to: FORGED, fate: 'delivered' });
    expect(record?.backscatter).toBe(true);
  });

  it('with no line for 7 days of log time, is written as it is: pending', () => {
    const last = T0 + 2 * SECOND;
    const f = deferred(accepted(new Feed(), 'B1', T0), last);
    f.clockTo(last + 7 * DAY - SECOND);
    expect(f.done.some((t) => t.qids[0]!.qid === 'B1'), 'a second before its stale deadline').toBe(false);
    f.clockTo(last + 7 * DAY);
    const [record] = f.records().filter((r) => r.queue_id === 'B1');
    expect(record?.outcome).toBe('pending');
    expect(record?.recipients.map((r) => r.status)).toEqual(['deferred']);
    expect(record?.ndr).toBeNull();
  });
});

describe('Tracker: a queue id reused', () => {
  const delivered = (f: Feed, qid: string, at: number, to: string) =>
    f.at(at, 'local', { kind: 'delivery', qid, agent: 'local', to, relay: 'local', dsn: '2.0.0', status: 'sent', reason: 'delivered to mailbox' })
      .at(at, 'qmgr', { kind: 'removed', qid });

  it('after its removal (a later second), starts a new message; both are written', () => {
    const f = delivered(accepted(new Feed(), 'R1', T0, 'first@victims.test'), 'R1', T0 + 2 * SECOND, 'alice@pfx.test');
    delivered(accepted(f, 'R1', T0 + 30 * MINUTE, 'second@victims.test'), 'R1', T0 + 30 * MINUTE + 2 * SECOND, 'bob@pfx.test');
    f.clockTo(T0 + 30 * MINUTE + 2 * SECOND + GRACE);
    const reused = f.records().filter((r) => r.queue_id === 'R1');
    expect(reused.map((r) => [r.sender, r.recipients.map((x) => x.address), r.outcome, r.received_at])).toEqual([
      ['first@victims.test', ['alice@pfx.test'], 'delivered', new Date(T0).toISOString()],
      ['second@victims.test', ['bob@pfx.test'], 'delivered', new Date(T0 + 30 * MINUTE).toISOString()],
    ]);
  });

  it('in the second of its removal, a line about it was only logged late: it stays with the first message', () => {
    const f = accepted(new Feed(), 'R2', T0);
    f.at(T0 + 2 * SECOND, 'local', { kind: 'delivery', qid: 'R2', agent: 'local', to: 'alice@pfx.test', relay: 'local', dsn: '2.0.0', status: 'sent', reason: 'delivered to mailbox' });
    f.at(T0 + 2 * SECOND, 'qmgr', { kind: 'removed', qid: 'R2' });
    // Another local process's delivery, written before the removal but logged after it, in the same second.
    f.at(T0 + 2 * SECOND, 'local', { kind: 'delivery', qid: 'R2', agent: 'local', to: 'bob@pfx.test', relay: 'local', dsn: '2.0.0', status: 'sent', reason: 'delivered to mailbox' });
    f.clockTo(T0 + 2 * SECOND + GRACE);
    const records = f.records().filter((r) => r.queue_id === 'R2');
    expect(records.map((r) => [r.sender, r.recipients.map((x) => x.address), r.outcome])).toEqual([[FORGED, ['alice@pfx.test', 'bob@pfx.test'], 'delivered']]);
  });
});
