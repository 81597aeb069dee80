// The audit's log evidence, from the logs the e2e harness recorded with these same
// configurations: each finding's counts (failed recipients, messages, NDRs, backscatter of its
// cause, at its domains, for its MTA) equal what the harness sent (truth.json).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/advise/audit/audit.ts';
import type { AuditResult, Finding } from '../../src/advise/audit/types.ts';
import { openTestStore } from '../lib/store.ts';
import { cliOk } from '../cli/run-cli.ts';
import { ndrCount } from '../e2e/lib/truth.ts';

const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));
const read = (p: string) => readFileSync(join(FIX, p), 'utf8');

interface TruthMessage {
  listener: string;
  expect_origin?: string;
  recipients: { address: string; expect_cause: string | null }[];
  expect_ndr: unknown;
  expect_notifications?: { type: string }[];
  expect_backscatter?: boolean;
}
interface Truth {
  generated_at: string;
  messages: TruthMessage[];
}

const truths = {
  postfix: JSON.parse(read('postfix-e2e/truth.json')) as Truth,
  exim: JSON.parse(read('exim-e2e/truth.json')) as Truth,
};
let result: AuditResult;

beforeAll(async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'bw-audit-ev-')), 'a.db');
  for (const [log, truth] of [['postfix-e2e/mail.log', truths.postfix], ['exim-e2e/exim-syslog.log', truths.exim]] as const) {
    cliOk(['import', '--db', db, '--year', String(new Date(truth.generated_at).getUTCFullYear()), join(FIX, log)]);
  }
  const store = openTestStore(db, { readonly: true });
  result = (await audit({
    postfix: { main: read('postfix-e2e/postfix.main.cf'), master: read('postfix-e2e/postfix.master.cf'), source: 'fixtures' },
    exim: { text: read('exim-e2e/exim.conf'), source: 'fixtures', readFile: () => read('exim-e2e/exim-system.filter') },
    evidence: { store, period: await store.period() },
  })).result;
  await store.close();
});

/** What the harness sent for a finding: accepted messages with a recipient of its cause (at its domains). */
function expected(truth: Truth, f: Finding) {
  const domainOk = (a: string) => !f.domains || f.domains.includes(a.slice(a.lastIndexOf('@') + 1).toLowerCase());
  const rcpts = (m: TruthMessage) => m.recipients.filter((r) => r.expect_cause === f.cause && domainOk(r.address));
  const msgs = truth.messages.filter((m) => m.expect_origin !== 'local' && rcpts(m).length > 0);
  return {
    failed_recipients: msgs.reduce((a, m) => a + rcpts(m).length, 0),
    messages: msgs.length,
    ndrs: msgs.reduce((a, m) => a + ndrCount(m), 0),
    backscatter: msgs.filter((m) => m.expect_backscatter === true).length,
  };
}

describe.each(['postfix', 'exim'] as const)('evidence for the %s findings', (mta) => {
  it('equals what the harness sent, per cause and domains', () => {
    const findings = result[mta];
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      const e = f.evidence!;
      const want = expected(truths[mta], f);
      expect(want.messages, `${f.id}: the scenarios produced this cause`).toBeGreaterThan(0);
      expect({ failed_recipients: e.failed_recipients, messages: e.messages, ndrs: e.ndrs, backscatter: e.backscatter }, `${f.id} in ${f.where}`).toEqual(want);
      expect(e.examples.length).toBeGreaterThan(0);
      for (const x of e.examples) expect(x.reason).not.toBe('');
    }
  });

  it('ranks by severity, then by NDRs', () => {
    const order = ['critical', 'high', 'medium', 'low'];
    const rank = result[mta].map((f) => [order.indexOf(f.severity), -(f.evidence?.ndrs ?? 0)] as const);
    const sorted = [...rank].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(rank).toEqual(sorted);
  });
});

it('names the period it counted', () => {
  expect(result.evidence_period).not.toBeNull();
  expect(Date.parse(result.evidence_period!.from)).toBeLessThan(Date.parse(result.evidence_period!.to));
});
