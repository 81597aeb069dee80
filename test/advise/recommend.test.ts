// Recommendations from the real Postfix and Exim logs of the e2e harness: each cause the
// scenarios produced yields its rule for that MTA, with evidence counts equal to what the
// harness sent (truth.json); the strict twins' SMTP-time rejects yield none of them. On both
// stores: an SQLite file and a real PostgreSQL (test/lib/backends.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recommend } from '../../src/advise/recommend.ts';
import type { Recommendation } from '../../src/advise/types.ts';
import { openStore } from '../../src/store/open.ts';
import { stopBackends, testBackends } from '../lib/backends.ts';
import { cliOk } from '../cli/run-cli.ts';
import { ndrCount } from '../e2e/lib/truth.ts';

const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));

interface TruthMessage {
  listener: string;
  expect_origin?: string;
  recipients: { address: string; expect_cause: string | null }[];
  expect_ndr: unknown;
  expect_notifications?: { type: string }[];
}
interface Truth {
  generated_at: string;
  messages: TruthMessage[];
}

const sets = [
  { mta: 'postfix', log: 'postfix-e2e/mail.log', truth: 'postfix-e2e/truth.json' },
  { mta: 'exim', log: 'exim-e2e/exim-syslog.log', truth: 'exim-e2e/truth.json' },
] as const;

afterAll(stopBackends);

describe.each(testBackends())('on $name', (backend) => {
let items: Recommendation[];
const truths = new Map<string, Truth>();

beforeAll(async () => {
  const db = await backend.location('advise');
  for (const s of sets) {
    const truth = JSON.parse(readFileSync(join(FIX, s.truth), 'utf8')) as Truth;
    truths.set(s.mta, truth);
    cliOk(['import', '--db', db, '--year', String(new Date(truth.generated_at).getUTCFullYear()), join(FIX, s.log)]);
  }
  const store = await openStore(db);
  items = await recommend(store, await store.period());
  await store.close();
}, 60_000);

describe.each(sets)('recommendations for $mta', ({ mta }) => {
  it('covers every cause the scenarios produced, with the counts the harness sent', () => {
    const truth = truths.get(mta)!;
    // What the harness sent and designed: accepted messages (not local submissions) by cause.
    const sent = truth.messages.filter((m) => m.expect_origin !== 'local' && m.listener !== 'pickup');
    const causes = new Set(sent.flatMap((m) => m.recipients.map((r) => r.expect_cause)).filter((c): c is string => c !== null));
    expect(causes.size).toBeGreaterThan(4);
    for (const cause of causes) {
      const behind = sent.filter((m) => m.recipients.some((r) => r.expect_cause === cause));
      const recs = items.filter((r) => r.mta === mta && r.cause === cause);
      expect(recs.length, `${mta} ${cause}`).toBeGreaterThan(0);
      const sum = (k: 'messages' | 'ndrs') => recs.reduce((a, r) => a + r.evidence[k], 0);
      expect(sum('messages'), `${mta} ${cause} messages`).toBe(behind.length);
      expect(sum('ndrs'), `${mta} ${cause} ndrs`).toBe(behind.reduce((a, m) => a + ndrCount(m), 0));
      for (const r of recs) expect(r.prevented).toBe(r.evidence.ndrs);
    }
    // No rule for a cause the scenarios did not produce: the strict twin's refusals add nothing.
    for (const r of items.filter((x) => x.mta === mta && x.cause !== 'dictionary_scan')) expect(causes).toContain(r.cause);
  });

  it('pairs rejecting unknown users with a dictionary-scan guard naming the suspects', () => {
    const guard = items.find((r) => r.mta === mta && r.cause === 'dictionary_scan');
    expect(guard).toBeDefined();
    expect(guard!.evidence.clients?.length).toBeGreaterThan(0);
  });

  it('never recommends sender callouts or discarding bounces', () => {
    for (const r of items.filter((x) => x.mta === mta)) {
      const settings = r.change.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n');
      expect(settings).not.toMatch(/reject_unverified_sender|verify\s*=\s*sender/);
      expect(settings).not.toMatch(/discard/i);
    }
  });
});

describe('ranking', () => {
  it('ranks by NDRs prevented', () => {
    const prevented = items.map((r) => r.prevented);
    expect(prevented).toEqual([...prevented].sort((a, b) => b - a));
  });
  it('names the downstream limit and relay where the log shows them', () => {
    const big = items.find((r) => r.mta === 'postfix' && r.cause === 'message_too_large');
    expect(big?.change).toMatch(/message_size_limit = 20000/);
    const relay = items.find((r) => r.id === 'postfix.unknown_relay');
    expect(relay?.evidence.relays?.[0]).toMatch(/127\.0\.0\.31/);
    const fwd = items.find((r) => r.mta === 'postfix' && r.cause === 'forward_rejected');
    expect(fwd?.evidence.aliases).toEqual(expect.arrayContaining(['fwd4@pfx.test']));
  });
});
});
