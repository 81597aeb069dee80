// A link logged after the whole life of the queue id it names (the NDR's, or a forward's copy)
// still links within the grace window; a reused queue id is still a new message; past the
// grace window the late link finds nothing in memory and the two stay apart.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Ingest } from '../../src/ingest/ingest.ts';
import { importFile } from '../../src/ingest/import-files.ts';
import { allMessages, openTestStore } from '../lib/store.ts';
import type { MessageRecord } from '../../src/correlate/record.ts';

const dir = mkdtempSync(join(tmpdir(), 'bw-late-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function messages(log: string): Promise<MessageRecord[]> {
  const path = join(dir, `${++n}.log`);
  writeFileSync(path, log.trim().split('\n').map((l) => `${l.trim()}\n`).join(''));
  const store = openTestStore(join(dir, `${n}.db`));
  await importFile(store, await Ingest.open(store, { internalNetworks: '127.0.0.1/32' }), path, { year: 2026 });
  const out = await allMessages(store);
  await store.close();
  return out;
}

/** A forged-sender message to an unknown user, bounced by the relay at `at`. */
const original = (at: string) => `
  Dec  3 ${at} mx1 postfix/smtpd[100]: BD59F20C40E: client=unknown[127.1.5.1]
  Dec  3 ${at} mx1 postfix/cleanup[101]: BD59F20C40E: message-id=<late-1@harness.test>
  Dec  3 ${at} mx1 postfix/qmgr[102]: BD59F20C40E: from=<ghost51@shop51.victims.test>, size=479, nrcpt=1 (queue active)
  Dec  3 ${at} mx1 postfix/smtp[103]: BD59F20C40E: to=<carol@relay.pfx.test>, relay=127.0.0.31[127.0.0.31]:25, delay=0.17, delays=0.05/0.04/0.08/0, dsn=5.1.1, status=bounced (host 127.0.0.31[127.0.0.31] said: 550 5.1.1 User unknown (in reply to RCPT TO command))`;
/** The NDR's whole life. */
const ndr = (at: string) => `
  Dec  3 ${at} mx1 postfix/cleanup[101]: E86BC20C259: message-id=<20261203081422.E86BC20C259@mx1.pfx.test>
  Dec  3 ${at} mx1 postfix/qmgr[102]: E86BC20C259: from=<>, size=2430, nrcpt=1 (queue active)
  Dec  3 ${at} mx1 postfix/smtp[104]: E86BC20C259: to=<ghost51@shop51.victims.test>, relay=127.0.0.41[127.0.0.41]:25, delay=0.05, delays=0/0/0.05/0, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as MX00010)
  Dec  3 ${at} mx1 postfix/qmgr[102]: E86BC20C259: removed`;
const bounceLine = (at: string) => `
  Dec  3 ${at} mx1 postfix/bounce[105]: BD59F20C40E: sender non-delivery notification: E86BC20C259
  Dec  3 ${at} mx1 postfix/qmgr[102]: BD59F20C40E: removed`;

describe('late links', () => {
  it('an NDR whose whole life is logged seconds before the bounce line is still the NDR', async () => {
    const got = await messages(original('08:14:22') + ndr('08:14:22') + bounceLine('08:14:25'));
    expect(got).toHaveLength(1);
    expect(got[0]!.ndr).toEqual({ queue_id: 'E86BC20C259', to: 'ghost51@shop51.victims.test', fate: 'delivered' });
    expect(got[0]!.backscatter).toBe(true);
  });

  it('a reused queue id named by a bounce line is the new NDR, not the old message', async () => {
    // E86BC20C259 first carried an ordinary message, removed a minute before the bounce names it again.
    const old = `
      Dec  3 08:13:20 mx1 postfix/pickup[106]: E86BC20C259: uid=1000 from=<bob>
      Dec  3 08:13:20 mx1 postfix/cleanup[101]: E86BC20C259: message-id=<old@pfx.test>
      Dec  3 08:13:20 mx1 postfix/qmgr[102]: E86BC20C259: from=<bob@pfx.test>, size=300, nrcpt=1 (queue active)
      Dec  3 08:13:21 mx1 postfix/smtp[104]: E86BC20C259: to=<friend@ext.test>, relay=127.0.0.41[127.0.0.41]:25, delay=0.05, delays=0/0/0.05/0, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as MX00001)
      Dec  3 08:13:21 mx1 postfix/qmgr[102]: E86BC20C259: removed`;
    const got = await messages(old + original('08:14:22') + bounceLine('08:14:22') + ndr('08:14:23'));
    expect(got.map((m) => [m.queue_id, m.sender, m.ndr?.fate ?? null])).toEqual([
      ['E86BC20C259', 'bob@pfx.test', null],
      ['BD59F20C40E', 'ghost51@shop51.victims.test', 'delivered'],
    ]);
  });

  it('past the grace window (10 minutes) a late link finds nothing: the NDR stays apart, its fate unknown', async () => {
    // Other mail moves the clock past the grace first (one line alone cannot move it).
    const other = `
      Dec  3 08:30:00 mx1 postfix/pickup[106]: 1A2B3C4D5E: uid=1000 from=<bob>
      Dec  3 08:30:00 mx1 postfix/cleanup[101]: 1A2B3C4D5E: message-id=<other@pfx.test>`;
    const got = await messages(original('08:14:22') + ndr('08:14:22') + other + bounceLine('08:30:00'));
    expect(got.filter((m) => m.queue_id !== '1A2B3C4D5E').map((m) => [m.queue_id, m.ndr?.fate ?? null])).toEqual([
      ['BD59F20C40E', 'unknown'],
      ['E86BC20C259', null],
    ]);
  });
});
