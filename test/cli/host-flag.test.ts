// --host on the reading commands (issue 16), with the real CLI: the e2e logs of a real Postfix
// (host mx1) and a real Exim (host mx2) imported into one database. With --host, report,
// messages, advise and digest print what they print for a database of that host's log alone
// (over the same --since/--until: a host's own period leaves out the host-less line counters).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliOk } from './run-cli.ts';

const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));
const year = (f: string) => String(new Date((JSON.parse(readFileSync(join(FIX, f), 'utf8')) as { generated_at: string }).generated_at).getUTCFullYear());
const LOGS = { mx1: ['postfix-e2e/mail.log', year('postfix-e2e/truth.json')], mx2: ['exim-e2e/exim-syslog.log', year('exim-e2e/truth.json')] } as const;
type Host = keyof typeof LOGS;

const dir = mkdtempSync(join(tmpdir(), 'bw-host-flag-'));
const dbs = { fleet: join(dir, 'fleet.db'), mx1: join(dir, 'mx1.db'), mx2: join(dir, 'mx2.db') };

beforeAll(() => {
  for (const [db, hosts] of [[dbs.fleet, ['mx1', 'mx2']], [dbs.mx1, ['mx1']], [dbs.mx2, ['mx2']]] as const) {
    for (const h of hosts) cliOk(['import', '--db', db, '--year', LOGS[h][1], join(FIX, LOGS[h][0])]);
  }
}, 60_000);

/** The period of a host's own database, as --since/--until. */
function periodOf(h: Host): string[] {
  const r = JSON.parse(cliOk(['report', '--db', dbs[h], '--json'])) as { from: string; to: string };
  return ['--since', r.from, '--until', r.to];
}

describe('--host on report, messages, advise and digest', () => {
  for (const h of ['mx1', 'mx2'] as const) {
    it(`--host ${h} prints what a database of ${h}'s log alone prints`, () => {
      const p = periodOf(h);
      const own = (args: string[]) => cliOk([...args, '--db', dbs[h], ...p]);
      const narrowed = (args: string[]) => cliOk([...args, '--db', dbs.fleet, '--host', h, ...p]);
      const withoutLines = (s: string) => ({ ...(JSON.parse(s) as Record<string, unknown>), lines: null });
      expect(withoutLines(narrowed(['report', '--json']))).toEqual(withoutLines(own(['report', '--json'])));
      expect(narrowed(['messages', '--json'])).toBe(own(['messages', '--json']));
      expect(narrowed(['messages', '--json']).length).toBeGreaterThan(100);
      const advice = JSON.parse(narrowed(['advise', '--json'])) as { host: string; items: { host: string }[] };
      expect(advice.host).toBe(h);
      expect(advice.items.length).toBeGreaterThan(0);
      expect(advice.items.every((r) => r.host === h)).toBe(true);
      expect(advice.items).toEqual((JSON.parse(own(['advise', '--json'])) as { items: unknown[] }).items);
    });
  }

  it('advise and the digest name the host of each recommendation; without --host, both hosts', () => {
    const text = cliOk(['advise', '--db', dbs.fleet]);
    expect(text).toMatch(/^1\. \[\w+\] (postfix on mx1|exim on mx2): /m);
    expect(text).toContain('postfix on mx1: ');
    expect(text).toContain('exim on mx2: ');
    expect(text).not.toContain('postfix on mx2');
    const p = periodOf('mx2');
    const digest = cliOk(['digest', '--db', dbs.fleet, '--transport', 'stdout', '--host', 'mx2', ...p]);
    expect(digest).toContain('exim on mx2');
    expect(digest).not.toContain('on mx1');
    expect(digest).toContain('--host mx2');
    expect(digest.split('\n')[0]).toMatch(/^mx2: /);
  });

  it('report says the host it was narrowed to; without --host, it splits a fleet by host', () => {
    expect(cliOk(['report', '--db', dbs.fleet, '--host', 'mx2']).split('\n')[0]).toMatch(/ on mx2$/);
    const text = cliOk(['report', '--db', dbs.fleet]);
    const own = (h: Host) => JSON.parse(cliOk(['report', '--db', dbs[h], '--json'])) as Record<string, number>;
    expect(text).toContain('by host:');
    for (const [h, mta] of [['mx1', 'postfix'], ['mx2', 'exim']] as const) {
      const r = own(h);
      const row = text.split('\n').find((l) => l.trimStart().startsWith(`${h} (${mta})`));
      expect(row?.trim().split(/\s+/).slice(2).map(Number), h)
        .toEqual([r.accepted, r.rejected_at_smtp, r.bounced_after_accept, r.ndrs, r.backscatter]);
    }
    expect(cliOk(['report', '--db', dbs.mx1])).not.toContain('by host:');
  });

  it('an unknown host prints nothing found, not an error', () => {
    expect(cliOk(['messages', '--db', dbs.fleet, '--host', 'nowhere', '--json'])).toBe('');
    expect(cliOk(['advise', '--db', dbs.fleet, '--host', 'nowhere'])).toContain('nothing to change');
    expect(JSON.parse(cliOk(['report', '--db', dbs.fleet, '--host', 'nowhere', '--json']))).toMatchObject({ accepted: 0, backscatter: 0 });
  });
});
