// Addresses with an RFC 5321 quoted local part in every address field of Postfix and Exim lines
// (issue 12, item 7). Lines have the shapes the harness's real Postfix 3.7 and Exim 4.96 wrote;
// the quoted parts hold what ends an unquoted field: space, `>`, `,`, `;`, `: `, ` R=`, `\"`.
import { describe, expect, it } from 'vitest';
import { LineParser } from '../../src/parse/line.ts';

const parser = new LineParser({ year: 2026, mainlogHost: 'mx2' });
const event = (line: string) => parser.parse(line).event;

const PF = 'Dec  3 07:54:18 mx1 postfix';
const EX = '2026-12-03 07:54:51.402';

describe('Postfix address fields with a quoted local part', () => {
  const rows: [string, string, object][] = [
    ['qmgr from=', `${PF}/qmgr[15488]: BFA1F20C3DB: from=<"x>y, z\\"w"@shop192.victims.test>, size=476, nrcpt=1 (queue active)`,
      { kind: 'envelope', qid: 'BFA1F20C3DB', sender: '"x>y, z\\"w"@shop192.victims.test', size: 476, nrcpt: 1 }],
    ['qmgr from= with a space only', `${PF}/qmgr[15488]: B44BE20C3C4: from=<"x y"@shop191.victims.test>, size=470, nrcpt=1 (queue active)`,
      { kind: 'envelope', sender: '"x y"@shop191.victims.test' }],
    ['qmgr expiry', `${PF}/qmgr[15488]: 2463D20C459: from=<"a, b"@forged.example>, status=expired, returned to sender`,
      { kind: 'expired', qid: '2463D20C459', sender: '"a, b"@forged.example' }],
    ['pickup from=', `${PF}/pickup[15490]: 5C5B316C101: uid=0 from=<"x>y"@forged.example>`,
      { kind: 'pickup', qid: '5C5B316C101', uid: '0', sender: '"x>y"@forged.example' }],
    ['smtp to=', `${PF}/smtp[15513]: CCA0D20C3C4: to=<"x>y, z\\"w"@shop192.victims.test>, relay=127.0.0.41[127.0.0.41]:25, delay=0.06, delays=0.01/0/0.05/0.01, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as MX00022)`,
      { kind: 'delivery', qid: 'CCA0D20C3C4', agent: 'smtp', to: '"x>y, z\\"w"@shop192.victims.test', status: 'sent', dsn: '2.0.0', relay: '127.0.0.41[127.0.0.41]:25' }],
    ['smtp to= bounced, the address echoed in the reason', `${PF}/smtp[15513]: 1CCF620C52A: to=<"x, y"@shop13.victims.test>, relay=127.0.0.41[127.0.0.41]:25, delay=0.13, delays=0.01/0/0.1/0.01, dsn=5.1.1, status=bounced (host 127.0.0.41[127.0.0.41] said: 550 5.1.1 <"x, y"@shop13.victims.test>: Recipient address rejected: User unknown (in reply to RCPT TO command))`,
      { kind: 'delivery', to: '"x, y"@shop13.victims.test', status: 'bounced', dsn: '5.1.1',
        reason: 'host 127.0.0.41[127.0.0.41] said: 550 5.1.1 <"x, y"@shop13.victims.test>: Recipient address rejected: User unknown (in reply to RCPT TO command)' }],
    ['local to= and orig_to=', `${PF}/local[15499]: E762F20C3AC: to=<"x y"@pfx.test>, orig_to=<"a>b, c"@pfx.test>, relay=local, delay=0.17, delays=0.05/0.04/0/0.08, dsn=5.1.1, status=bounced (unknown user: "x y")`,
      { kind: 'delivery', agent: 'local', to: '"x y"@pfx.test', origTo: '"a>b, c"@pfx.test', status: 'bounced', reason: 'unknown user: "x y"' }],
    ['smtpd NOQUEUE reject, `; from=<` inside the quotes', `${PF}/smtpd[15530]: NOQUEUE: reject: RCPT from unknown[127.1.9.1]: 550 5.1.1 <"no>body; from=x"@pfx.test>: Recipient address rejected: User unknown in local recipient table; from=<"x y; from=<z>"@forged.example> to=<"no>body; from=x"@pfx.test> proto=ESMTP helo=<h9-1.bots.test>`,
      { kind: 'reject', stage: 'RCPT', code: '550', dsn: '5.1.1', from: '"x y; from=<z>"@forged.example', to: '"no>body; from=x"@pfx.test', helo: 'h9-1.bots.test',
        reason: '550 5.1.1 <"no>body; from=x"@pfx.test>: Recipient address rejected: User unknown in local recipient table' }],
    ['cleanup milter-reject', `${PF}/cleanup[15525]: 053E620C3C7: milter-reject: END-OF-MESSAGE from unknown[127.1.5.1]: 5.7.1 Virus found; from=<"x>y"@forged.example> to=<carol@relay.pfx.test> proto=ESMTP helo=<h5-1.bots.test>`,
      { kind: 'reject', action: 'milter-reject', stage: 'END-OF-MESSAGE', from: '"x>y"@forged.example', to: 'carol@relay.pfx.test', reason: '5.7.1 Virus found' }],
    ['cleanup body_checks reject, `: ` inside the quotes', `${PF}/cleanup[15525]: 053E620C3C7: reject: body BW-EICAR-LIKE-TEST-SIGNATURE-7f3a from unknown[127.1.9.4]; from=<"a: b"@shop94.victims.test> to=<carol@relay.pfx.test> proto=ESMTP helo=<h9-4.bots.test>: 5.7.1 Virus found: Eicar-Test-Signature`,
      { kind: 'reject', stage: 'BODY', from: '"a: b"@shop94.victims.test', to: 'carol@relay.pfx.test', reason: '5.7.1 Virus found: Eicar-Test-Signature' }],
    ['smtpd proxy-reject', `${PF}/smtpd[15530]: 4D1F016C0C9: proxy-reject: END-OF-MESSAGE: 554 5.7.1 Rejected by filter; from=<"x> to=<y"@forged.example> to=<alice@pfx.test> proto=ESMTP helo=<h>`,
      { kind: 'reject', stage: 'END-OF-MESSAGE', from: '"x> to=<y"@forged.example', to: 'alice@pfx.test', reason: '554 5.7.1 Rejected by filter' }],
  ];
  for (const [what, line, want] of rows) {
    it(what, () => expect(event(line)).toMatchObject(want));
  }

  it('leaves a `<"` that opens no local part alone (a HELO name): the envelope is still read', () => {
    const line = `${PF}/smtpd[15530]: NOQUEUE: reject: RCPT from unknown[127.1.9.1]: 450 4.7.1 <"x>: Helo command rejected: Host not found; from=<ghost@forged.example> to=<alice@pfx.test> proto=ESMTP helo=<"x>`;
    expect(event(line)).toMatchObject({ kind: 'reject', from: 'ghost@forged.example', to: 'alice@pfx.test', helo: '"x' });
  });
});

describe('Exim address fields with a quoted local part', () => {
  const rows: [string, string, object][] = [
    ['arrival <= sender', `${EX} 1xZ1eV-0004Bf-21 <= "x>y, z\\"w"@shop192.victims.test H=(h19-2.bots.test) [127.2.19.2] I=[127.0.0.21]:25 P=esmtp S=515 id=bw-exim-quoted-sender-2@harness.test T="bouncewatch e2e quoted-sender" for nobody192@exi.test`,
      { kind: 'arrival', qid: '1xZ1eV-0004Bf-21', sender: '"x>y, z\\"w"@shop192.victims.test', proto: 'esmtp', size: 515,
        client: { ip: '127.2.19.2' }, helo: 'h19-2.bots.test', messageId: 'bw-exim-quoted-sender-2@harness.test', recipients: ['nobody192@exi.test'] }],
    ['the NDR arrival and its `for` list', `${EX} 1xZ1eV-0004Bi-2N <= <> R=1xZ1eV-0004Bf-21 U=Debian-exim P=local S=1799 T="Mail delivery failed: returning message to sender" for "x>y, z\\"w"@shop192.victims.test "a b"@forged.example`,
      { kind: 'arrival', sender: '', ndrOf: '1xZ1eV-0004Bf-21', recipients: ['"x>y, z\\"w"@shop192.victims.test', '"a b"@forged.example'] }],
    ['=> the unquoted address, then as given', `${EX} 1xZ1eV-0004Bi-2N => x>y, z"w@shop192.victims.test <"x>y, z\\"w"@shop192.victims.test> F=<> R=internet T=remote_smtp S=1858 H=127.0.0.41 [127.0.0.41] I=[127.0.0.1] C="250 2.0.0 Ok: queued as MX00020" QT=0.098s DT=0.052s`,
      { kind: 'delivery', qid: '1xZ1eV-0004Bi-2N', agent: 'remote_smtp', to: '"x>y, z\\"w"@shop192.victims.test', status: 'sent',
        relay: '127.0.0.41 [127.0.0.41]', reason: '250 2.0.0 Ok: queued as MX00020' }],
    ['** with the sender F=<"..."> before the error text', `${EX} 1xZ1eV-0004Bf-21 ** nobody192@exi.test F=<"x>y, z\\"w"@shop192.victims.test>: Unrouteable address DT=0.000s`,
      { kind: 'delivery', to: 'nobody192@exi.test', status: 'bounced', reason: 'Unrouteable address', agent: 'exim' }],
    ['** with a sender that holds a fake router and error text', `${EX} 1xZ1eV-0004Bf-21 ** nobody193@exi.test F=<"a R=fake: b"@forged.example> R=dnslookup: Unrouteable address`,
      { kind: 'delivery', to: 'nobody193@exi.test', status: 'bounced', reason: 'Unrouteable address', agent: 'dnslookup' }],
    ['** of a quoted address', `${EX} 1xZ1eV-0004Bf-21 ** "a b"@example.com R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.25]: SMTP error from remote mail server after RCPT TO:<"a b"@example.com>: 550 5.1.1 User unknown`,
      { kind: 'delivery', to: '"a b"@example.com', status: 'bounced', agent: 'remote_smtp', dsn: '5.1.1',
        reason: 'SMTP error from remote mail server after RCPT TO:<"a b"@example.com>: 550 5.1.1 User unknown' }],
    ['** of a forward to a quoted address', `${EX} 1xZ1eV-0004Bf-21 ** a b@ext.test <fwd5@exi.test> R=dnslookup T=remote_smtp H=127.0.0.41 [127.0.0.41]: SMTP error from remote mail server after RCPT TO:<"a b"@ext.test>: 550 5.1.1 User unknown`,
      { kind: 'delivery', to: '"a b"@ext.test', origTo: 'fwd5@exi.test', status: 'bounced', dsn: '5.1.1' }],
    ['== deferral of a quoted address', `${EX} 1xZ1eO-00046J-0A == x y@relay.exi.test <"x y"@relay.exi.test> R=relay_to_mailstore T=remote_smtp defer (-44) H=127.0.0.31 [127.0.0.31] I=[127.0.0.1] DT=0.000s: SMTP error from remote mail server after RCPT TO:<"x y"@relay.exi.test>: 451 4.3.0 Temporary lookup failure`,
      { kind: 'delivery', to: '"x y"@relay.exi.test', status: 'deferred', agent: 'remote_smtp', dsn: '4.3.0' }],
    ['=> local delivery of a quoted local part', `${EX} 1xZ1eP-00047Z-1x => x y <"x y"@exi.test> R=local_user T=local_delivery DT=0.005s`,
      { kind: 'delivery', to: '"x y"@exi.test', status: 'sent', agent: 'local' }],
    ['SMTP-time reject: F=<...> and RCPT <...>', `${EX} H=(h9-1.bots.test) [127.2.9.1] I=[127.0.0.22]:25 F=<"x> rejected RCPT <y"@forged.example> rejected RCPT <"no body"@exi.test>: Unrouteable address`,
      { kind: 'reject', stage: 'RCPT', from: '"x> rejected RCPT <y"@forged.example', to: '"no body"@exi.test', reason: 'Unrouteable address', client: { ip: '127.2.9.1' }, helo: 'h9-1.bots.test' }],
    ['size reject: rejected from <...>', `${EX} 1xZ1eP-00047a-2F rejected from <"x y"@shop97.victims.test> H=(h9-7.bots.test) [127.2.9.7]: message too big: read=39777 max=20480`,
      { kind: 'reject', stage: 'DATA', from: '"x y"@shop97.victims.test', reason: 'message too big: read=39777 max=20480', client: { ip: '127.2.9.7' } }],
  ];
  for (const [what, line, want] of rows) {
    it(what, () => expect(event(line)).toMatchObject(want));
  }

  it('reads the same lines through syslog', () => {
    const line = 'Dec  3 07:54:51 mx2 exim[15790]: 1xZ1eV-0004BX-18 <= "x y"@shop191.victims.test H=(h19-1.bots.test) [127.2.19.1] I=[127.0.0.21]:25 P=esmtp S=503 id=bw-exim-quoted-sender-1@harness.test for nobody191@exi.test';
    expect(event(line)).toMatchObject({ kind: 'arrival', sender: '"x y"@shop191.victims.test', client: { ip: '127.2.19.1' } });
  });
});
