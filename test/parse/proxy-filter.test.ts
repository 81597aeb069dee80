// Before-queue content filter lines (smtpd_proxy_filter; issue 21, item 2): `proxy-reject` with
// NOQUEUE, a queue id, or neither (what the harness's real Postfix 3.7 wrote), and the XFORWARD
// fields `orig_client` / `orig_queue_id` of the smtpd behind a filter.
import { describe, expect, it } from 'vitest';
import { LineParser } from '../../src/parse/line.ts';

const parser = new LineParser({ year: 2026, mainlogHost: 'mx2' });
const parse = (line: string) => parser.parse(line);

const PF = 'Dec  3 11:59:00 mx1 postfix';
const REPLY = '554 5.7.1 Rejected by bw-e2e proxy filter: spam signature found';
const ENVELOPE = 'from=<ghost211@shop211.victims.test> to=<carol@relay.pfx.test> proto=ESMTP helo=<h21-1.bots.test>';
const reject = {
  kind: 'reject', action: 'reject', stage: 'END-OF-MESSAGE', by: 'smtpd', code: '554', dsn: '5.7.1', reason: REPLY,
  from: 'ghost211@shop211.victims.test', to: 'carol@relay.pfx.test', helo: 'h21-1.bots.test',
};

describe('smtpd proxy-reject', () => {
  it('with neither NOQUEUE nor a queue id (Postfix 3.7), an SMTP reject at end of DATA', () => {
    const r = parse(`${PF}/smtpd[1767]: proxy-reject: END-OF-MESSAGE: ${REPLY}; ${ENVELOPE}`);
    expect(r.cls).toBe('mail');
    expect(r.event).toEqual({ ...reject, qid: undefined });
  });

  it('with NOQUEUE', () => {
    expect(parse(`${PF}/smtpd[1767]: NOQUEUE: proxy-reject: END-OF-MESSAGE: ${REPLY}; ${ENVELOPE}`).event).toEqual({ ...reject, qid: undefined });
  });

  it('with a queue id', () => {
    expect(parse(`${PF}/smtpd[1767]: 60BCE20E20D: proxy-reject: END-OF-MESSAGE: ${REPLY}; ${ENVELOPE}`).event).toEqual({ ...reject, qid: '60BCE20E20D' });
  });

  it('in the log_whatsup shape, naming the client', () => {
    expect(parse(`${PF}/smtpd[1767]: NOQUEUE: proxy-reject: END-OF-MESSAGE from unknown[127.1.21.1]: ${REPLY}; ${ENVELOPE}`).event)
      .toEqual({ ...reject, qid: undefined, client: { name: 'unknown', ip: '127.1.21.1' } });
  });

  it('with an empty reply (the filter hung up)', () => {
    expect(parse(`${PF}/smtpd[1767]: proxy-reject: END-OF-MESSAGE: ; ${ENVELOPE}`).event).toMatchObject({ kind: 'reject', stage: 'END-OF-MESSAGE', reason: '', from: 'ghost211@shop211.victims.test' });
  });

  it('proxy-accept is understood and carries no fate', () => {
    const r = parse(`${PF}/smtpd[1767]: proxy-accept: END-OF-MESSAGE: 250 2.0.0 Ok: queued as 60BCE20E20D; from=<a@b.test> to=<c@pfx.test> proto=ESMTP helo=<h>`);
    expect(r.cls).toBe('mail');
    expect(r.event).toBeUndefined();
  });
});

describe('XFORWARD fields of the smtpd behind a filter', () => {
  it('orig_client (before-queue proxy: no orig_queue_id)', () => {
    expect(parse(`${PF}/smtpd[1774]: 60BCE20E20D: client=unknown[127.0.0.1], orig_client=unknown[127.1.21.2]`).event).toEqual({
      kind: 'client', qid: '60BCE20E20D', client: { name: 'unknown', ip: '127.0.0.1' }, origClient: { name: 'unknown', ip: '127.1.21.2' },
    });
  });

  it('orig_queue_id and orig_client (after-queue filter)', () => {
    expect(parse(`${PF}/amavis/smtpd[1740]: DA39A20E1F5: client=localhost[127.0.0.1], orig_queue_id=BBC9020E105, orig_client=mx.example[192.0.2.1]`).event).toEqual({
      kind: 'client', qid: 'DA39A20E1F5', client: { name: 'localhost', ip: '127.0.0.1' }, origQid: 'BBC9020E105', origClient: { name: 'mx.example', ip: '192.0.2.1' },
    });
  });
});
