// A server on a blocklist: its own mail refused by remote servers that name the list is
// `listed`, and the advice is to stop the backscatter and ask for delisting, never to scan
// content; a blocklist this server uses at SMTP time is shown as a listing among the reject
// causes. The log is written in Postfix 3.7's shapes (../shared/docs/mail-logs.md §3, §5).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Recommendation } from '../../src/advise/types.ts';
import { cliOk, messagesJson } from '../cli/run-cli.ts';
import { LOG } from './listed-log.ts';
import { openTestStore } from '../lib/store.ts';


let db: string;
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-listed-'));
  const file = join(dir, 'mail.log');
  writeFileSync(file, `${LOG.join('\n')}\n`);
  db = join(dir, 'bw.db');
  cliOk(['import', '--db', db, '--year', '2026', '--local-domains', 'pfx.test', file]);
});

describe('a server on a blocklist', () => {
  it('classifies its refused mail as listed, not content_rejected or relay_rejected', () => {
    const out = messagesJson(db).find((m) => m.queue_id === '1A2B3C4D5E') as { recipients: { cause: string }[] } | undefined;
    expect(out?.recipients.map((r) => r.cause)).toEqual(['listed']);
    const report = JSON.parse(cliOk(['report', '--db', db, '--json'])) as { causes: Record<string, number> };
    expect(report.causes).toEqual({ listed: 1, unknown_recipient: 1 });
  });

  it('advises stopping the backscatter and delisting, naming the list, never content scanning', () => {
    const { items } = JSON.parse(cliOk(['advise', '--db', db, '--json'])) as { items: Recommendation[] };
    const listed = items.find((r) => r.id === 'postfix.listed');
    expect(listed).toBeDefined();
    expect(listed!.cause).toBe('listed');
    expect(listed!.severity).toBe('high');
    // Our user's mail refused naming Spamhaus, and the backscatter NDR refused naming backscatterer.org.
    expect(listed!.evidence.lists).toEqual(['ips.backscatterer.org (1)', 'zen.spamhaus.org (1)']);
    expect(listed!.change).toMatch(/listed by ips\.backscatterer\.org \(1\), zen\.spamhaus\.org \(1\)/);
    expect(listed!.change).toMatch(/backscatter to stop first, here: postfix\.unknown_local \(1 backscatter\)/);
    expect(listed!.change).toMatch(/request delisting/);
    expect(listed!.change).not.toMatch(/milter|malware|spam =|content_filter/);
    expect(items.some((r) => r.cause === 'content_rejected')).toBe(false);
    expect(items.find((r) => r.id === 'postfix.unknown_local')?.evidence.backscatter).toBe(1);
    const text = cliOk(['advise', '--db', db]);
    expect(text).toMatch(/lists: ips\.backscatterer\.org \(1\), zen\.spamhaus\.org \(1\)/);
  });

  it('puts a listing the blocklist watch found before the changes that stop the backscatter', async () => {
    expect(cliOk(['advise', '--db', db])).not.toMatch(/LISTED/);
    const store = openTestStore(db);
    const since = Date.parse('2026-11-28T06:00:00Z');
    await store.recordBlocklist([{ address: '198.51.100.7', zone: 'ips.backscatterer.org', status: 'listed', codes: ['127.0.0.2'], reasons: [],
      meaning: 'sends backscatter', error: null, checked_at: since, agent: 'mx1' }]);
    store.close();
    const text = cliOk(['advise', '--db', db]);
    expect(text.split('\n').slice(0, 2)).toEqual([
      'LISTED: 198.51.100.7 is on ips.backscatterer.org since 2026-11-28T06:00:00.000Z (sends backscatter)',
      'The changes below stop the backscatter that gets a server listed; ask the lists to delist once it has stopped.',
    ]);
    expect(text).toMatch(/postfix on mx1: /);
  });

  it('shows the blocklist this server uses among the reject causes, with the list', () => {
    const text = cliOk(['report', '--db', db]);
    expect(text).toMatch(/rejected at SMTP time by cause:\n\s+listed\s+1\s+\(zen\.spamhaus\.org 1\)\n\s+unknown_recipient\s+1\n/);
  });
});
