// The same logs imported into SQLite and into PostgreSQL give the same answer to every read:
// the Lightmeter golden scenarios' logs and a few larger corpora (../shared/corpora, read in
// place; a checkout without them skips those cases and says which), each read over the whole
// period, a period with partial hours at both edges and one within an hour; PostgreSQL also
// with every hour marked changed (rollups read from the raw rows).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../src/correlate/record.ts';
import { openStore } from '../../src/store/open.ts';
import { createPool } from '../../src/store/postgres/pg.ts';
import type { Store } from '../../src/store/store.ts';
import { SOURCE_KINDS, type Bucket, type MessageFilter, type Mta, type Period } from '../../src/store/types.ts';
import { postgresMissing, startPostgres, type Postgres } from '../lib/postgres.ts';
import { importInto, openTestStore } from '../lib/store.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpora = path.resolve(here, '../../../shared/corpora');
const goldenDir = path.resolve(here, '../golden/lightmeter');

interface Case {
  name: string;
  files: string[];
  year: number;
}

/** Each golden scenario's log (test/golden/lightmeter/*.expected.json names it and its year). */
const scenarios: Case[] = readdirSync(goldenDir).filter((f) => f.endsWith('.expected.json')).sort().map((f) => {
  const g = JSON.parse(readFileSync(path.join(goldenDir, f), 'utf8')) as { source: string; year: number };
  return { name: f.replace('.expected.json', ''), files: [path.join(corpora, g.source)], year: g.year };
});

const inCorpora = (dir: string, ...files: string[]) => files.map((f) => path.join(corpora, dir, f));
const larger: Case[] = [
  // Postfix: listed and relay rejects, expired mail, backscatter (three days of one host).
  { name: 'kdent-postfix_log_analysis', files: inCorpora('kdent-postfix_log_analysis', 'mail.log', 'mail2.log', 'mail3.log'), year: 2020 },
  // Postfix: unknown-recipient rejects (a scanner).
  { name: 'infohtreasure-postfix-maillog-dump', files: inCorpora('infohtreasure-postfix-maillog-dump', 'maillog'), year: 2020 },
  // Postfix: a rotated pair with postscreen, amavis hops and local deliveries.
  { name: 'lightmeter complete_logs_sample', files: inCorpora('lightmeter-controlcenter/complete_logs_sample', 'mail.log.1', 'mail.log'), year: 2021 },
  // Exim.
  { name: 'perericr-ddgrey', files: inCorpora('perericr-ddgrey', 'mainlog'), year: 2020 },
  { name: 'gvengel-exim_exporter', files: inCorpora('gvengel-exim_exporter', 'mainlog'), year: 2020 },
];

async function listed(s: Store, p: Period, f?: MessageFilter, page?: { limit: number; offset: number }): Promise<MessageRecord[]> {
  const out: MessageRecord[] = [];
  for await (const m of s.messages(p, f, page)) out.push(m);
  return out;
}

/** Message filters of every kind with values taken from these messages, so that they match something. */
function filtersFrom(ms: MessageRecord[]): MessageFilter[] {
  const fs: MessageFilter[] = [{}, { backscatter: true }];
  const withIp = ms.find((m) => m.client_ip !== null);
  if (withIp) fs.push({ client_ip: withIp.client_ip! }, { q: withIp.client_ip! });
  const sender = ms.find((m) => m.sender?.includes('@'))?.sender;
  if (sender) {
    const domain = sender.slice(sender.lastIndexOf('@') + 1);
    fs.push({ sender_domain: domain.toUpperCase() }, { sender_domain: domain, backscatter: true }, { sender_domain: domain, outcome: 'delivered' },
      { q: sender.slice(0, 3).toUpperCase() });
  }
  const first = ms[0];
  if (first) fs.push({ q: first.queue_id }, { q: first.queue_ids.at(-1)! });
  if (first?.message_id) fs.push({ q: first.message_id });
  const failed = ms.flatMap((m) => m.recipients).find((r) => r.cause !== null && r.address !== null);
  if (failed) {
    const domain = failed.address!.slice(failed.address!.indexOf('@') + 1);
    fs.push({ domain: domain.toUpperCase() }, { recipient: failed.address!.toUpperCase() }, { cause: failed.cause!, domain });
  }
  for (const c of new Set(ms.flatMap((m) => m.recipients.map((r) => r.cause)))) if (c) fs.push({ cause: c });
  for (const o of new Set(ms.map((m) => m.outcome))) fs.push({ outcome: o });
  for (const mta of new Set(ms.map((m) => m.mta))) fs.push({ mta });
  // LIKE's wildcards are literal text in a search.
  fs.push({ q: '%' }, { q: '_' }, { domain: '%' });
  return fs;
}

/**
 * Every read of the two stores, over three periods (with `byHost`, each also narrowed to every
 * host and to one never seen); `expect.soft` so that one run lists every difference.
 */
async function expectSameReads(a: Store, b: Store, label: string, byHost = false): Promise<number> {
  let reads = 0;
  const same = async <T>(what: string, f: (s: Store) => Promise<T>): Promise<T> => {
    const [x, y] = await Promise.all([f(a), f(b)]);
    expect.soft(y, `${label}: ${what}`).toStrictEqual(x);
    reads++;
    return x;
  };
  const whole = await same('period()', (s) => s.period());
  await same('period(from, to)', (s) => s.period(whole.from + 1, whole.to - 1));
  const periods: [string, Period][] = [['whole', whole]];
  if (whole.to - whole.from > 4 * 3_600_000) periods.push(['inner', { from: whole.from + 5_400_017, to: whole.to - 8_280_000 }]);
  periods.push(['within an hour', { from: whole.from + 1000, to: whole.from + 1_800_000 }]);
  if (byHost) {
    const hosts = [...await a.hosts(whole), 'no-such-host'];
    for (const host of hosts) {
      const own = await same(`period(host ${host})`, (s) => s.period(undefined, undefined, host));
      await same(`period(from, to, host ${host})`, (s) => s.period(whole.from + 1, whole.to - 1, host));
      for (const [name, p] of [...periods]) periods.push([`${name}, host ${host}`, { ...p, host }]);
      periods.push([`host ${host}'s own period`, own]);
    }
  }
  const all = await listed(a, whole);
  const mtas: Mta[] = ['postfix', 'exim'];
  for (const [name, p] of periods) {
    const at = (w: string) => `${name}: ${w}`;
    await same(at('lineTotals'), (s) => s.lineTotals(p));
    await same(at('counters'), (s) => s.counters(p));
    const causes = await same(at('causes'), (s) => s.causes(p));
    await same(at('backscatterFates'), (s) => s.backscatterFates(p));
    for (const bucket of ['hour', 'day'] as Bucket[]) await same(at(`timeseries ${bucket}`), (s) => s.timeseries(p, bucket));
    for (const kind of SOURCE_KINDS) {
      await same(at(`sources ${kind}`), (s) => s.sources(p, kind));
      await same(at(`sources ${kind} limit 2`), (s) => s.sources(p, kind, 2));
    }
    const ms = name === 'whole' ? all : await listed(a, p);
    for (const f of filtersFrom(ms)) {
      await same(at(`messages ${JSON.stringify(f)}`), (s) => listed(s, p, f));
      await same(at(`countMessages ${JSON.stringify(f)}`), (s) => s.countMessages(p, f));
    }
    await same(at('messages page'), (s) => listed(s, p, {}, { limit: 3, offset: 2 }));
    await same(at('messages page past the end'), (s) => listed(s, p, {}, { limit: 10, offset: ms.length }));
    await same(at('adviceGroups'), (s) => s.adviceGroups(p));
    for (const mta of mtas) {
      await same(at(`scanSuspects ${mta}`), (s) => s.scanSuspects(p, mta));
      await same(at(`listedRefusals ${mta}`), (s) => s.listedRefusals(p, mta));
      for (const cause of [...Object.keys(causes).slice(0, 3), 'dictionary_scan']) {
        await same(at(`auditEvidence ${mta} ${cause}`), (s) => s.auditEvidence(p, mta, cause));
      }
      const address = all.flatMap((m) => m.recipients).find((r) => r.cause !== null && r.address !== null)?.address;
      const cause = Object.keys(causes)[0];
      if (address && cause) {
        const domains = [address.slice(address.indexOf('@') + 1).toLowerCase(), 'example.org'];
        await same(at(`auditEvidence ${mta} ${cause} ${domains.join(',')}`), (s) => s.auditEvidence(p, mta, cause, domains));
      }
    }
    await same(at('rejectCauses'), (s) => s.rejectCauses(p));
    await same(at('listedRejectReasons'), (s) => s.listedRejectReasons(p));
    await same(at('hosts'), (s) => s.hosts(p));
    await same(at('hostTotals'), (s) => s.hostTotals(p));
    for (const host of byHost ? await a.hosts(whole) : []) await same(at(`messages host=${host}`), (s) => listed(s, p, { host }));
  }
  // The first and last messages, and messages with later hops (asked for by their last queue id too).
  for (const m of [...all.slice(0, 3), ...all.filter((x) => x.queue_ids.length > 1).slice(0, 3), ...all.slice(-2)]) {
    await same(`messageTrace ${m.host} ${m.queue_id}`, (s) => s.messageTrace(m.host, m.queue_id));
    await same(`messageTrace ${m.host} ${m.queue_ids.at(-1)}`, (s) => s.messageTrace(m.host, m.queue_ids.at(-1)!));
  }
  await same('messageTrace of none', (s) => s.messageTrace('nohost', 'NOQUEUEID'));
  await same('messageCount', (s) => s.messageCount());
  await same('metricTotals', (s) => s.metricTotals());
  await same('gapCounts', (s) => s.gapCounts());
  return reads;
}

const missing = postgresMissing();
// Under CI a missing PostgreSQL is a failure (beforeAll's startPostgres throws), never a skip.
const skip = missing !== undefined && process.env.CI !== 'true';
const corporaPresent = existsSync(corpora);

describe.skipIf(skip)(`SQLite and PostgreSQL give the same reads${skip ? ` (skipped: ${missing})` : ''}`, () => {
  let server: Postgres;
  let dir: string;

  beforeAll(async () => {
    server = await startPostgres();
    dir = mkdtempSync(path.join(tmpdir(), 'bw-pg-equal-'));
    if (!corporaPresent) console.warn(`[postgres-equal] SKIPPING every log case: corpora not found at ${corpora}`);
    for (const c of [...scenarios, ...larger]) {
      const gone = c.files.filter((f) => !existsSync(f));
      if (corporaPresent && gone.length > 0) console.warn(`[postgres-equal] SKIPPING ${c.name}: ${gone.join(', ')} not found`);
    }
  }, 60_000);
  afterAll(() => {
    server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let n = 0;
  /** Imports the files into a new SQLite and a new PostgreSQL store; `f` gets both and the database URL. */
  async function withBoth(c: Pick<Case, 'files' | 'year'>, f: (sqlite: Store, pg: Store, url: string) => Promise<void>): Promise<void> {
    const sqlite = openTestStore(path.join(dir, `${++n}.db`));
    const url = await server.database(`equal_${n}`);
    const pg = await openStore(url, { agent: 'equal' });
    try {
      const opts = { internalNetworks: '127.0.0.1/32', year: c.year };
      await importInto(sqlite, c.files, opts);
      await importInto(pg, c.files, opts);
      await f(sqlite, pg, url);
    } finally {
      await pg.close();
      await sqlite.close();
    }
  }

  it.skipIf(!corporaPresent)(`the ${scenarios.length} golden scenarios' logs, each in its own stores`, async () => {
    let reads = 0;
    for (const c of scenarios.filter((x) => x.files.every(existsSync))) {
      await withBoth(c, async (sqlite, pg) => {
        reads += await expectSameReads(sqlite, pg, c.name);
      });
    }
    expect(reads).toBeGreaterThan(scenarios.length * 100);
  }, 60_000);

  for (const c of larger) {
    it.skipIf(!c.files.every(existsSync))(c.name, async () => {
      await withBoth(c, async (sqlite, pg, url) => {
        expect(await sqlite.messageCount()).toBeGreaterThan(0);
        await expectSameReads(sqlite, pg, c.name);
        // Every hour marked changed: PostgreSQL reads the raw rows instead of the rollups.
        const pool = createPool(url, 1);
        try {
          await pool.query(`INSERT INTO rollup_dirty (hour) SELECT DISTINCT received_at - received_at % 3600000 FROM messages
            UNION SELECT time - time % 3600000 FROM smtp_rejects ON CONFLICT (hour) DO UPDATE SET gen = rollup_dirty.gen + 1`);
        } finally {
          await pool.end();
        }
        await expectSameReads(sqlite, pg, `${c.name} (hours marked changed)`);
      });
    }, 60_000);
  }

  // A fleet (issue 16): a Postfix host's and an Exim host's logs in one store; every read also
  // narrowed to each host.
  const fleet = { files: [...inCorpora('kdent-postfix_log_analysis', 'mail.log'), ...inCorpora('perericr-ddgrey', 'mainlog')], year: 2020 };
  it.skipIf(!fleet.files.every(existsSync))('two hosts in one store, every read also of each host', async () => {
    await withBoth(fleet, async (sqlite, pg) => {
      const hosts = await sqlite.hosts(await sqlite.period());
      expect(hosts.length).toBe(2);
      expect((await sqlite.hostTotals(await sqlite.period())).map((h) => h.mtas)).toEqual(expect.arrayContaining([['postfix'], ['exim']]));
      await expectSameReads(sqlite, pg, 'fleet', true);
    });
  }, 120_000);

  it('records and lists the same digests', async () => {
    await withBoth({ files: [], year: 2020 }, async (sqlite, pg) => {
      const d = { period: { from: 1_000, to: 2_000 }, sentAt: 3_000, recipients: ['a@example.org', 'b@example.org'], transport: 'smtp', subject: 'digest', messageId: null };
      for (const s of [sqlite, pg]) {
        await s.recordDigest(d);
        await s.recordDigest({ ...d, sentAt: 4_000, messageId: '<x@example.org>' });
      }
      expect(await pg.digests()).toStrictEqual(await sqlite.digests());
    });
  });

  // A client with 2, 4 and 2 unknown-recipient rejects in three whole hours: 8, a scanner. SQLite's
  // rankClients (src/store/sqlite/rollup-queries.ts) once wrote HAVING unknown_rejects >= @min over
  // an alias that is also a column: SQLite read the column of the group's last row (2), not the
  // sum, and found no scanner. This porting to PostgreSQL found it; both now sum.
  const scannerLog = () => {
    const at = (t: string, ip: string, rcpt: string) => `Jan  1 ${t} mx postfix/smtpd[123]: NOQUEUE: reject: RCPT from unknown[${ip}]: 550 5.1.1 `
      + `<${rcpt}@example.com>: Recipient address rejected: User unknown in local recipient table; from=<x@example.net> to=<${rcpt}@example.com> proto=ESMTP helo=<h>`;
    const log = path.join(dir, 'scanner.log');
    writeFileSync(log, `${[at('10:00:00', '192.0.2.9', 'z'), ...['a', 'b'].map((r, i) => at(`11:10:0${i}`, '192.0.2.1', r)),
      ...['a', 'b', 'c', 'd'].map((r, i) => at(`12:10:0${i}`, '192.0.2.1', r)), ...['a', 'b'].map((r, i) => at(`13:10:0${i}`, '192.0.2.1', r)),
      at('14:59:59', '192.0.2.9', 'y')].join('\n')}\n`);
    return log;
  };
  const scanner = [{ client_ip: '192.0.2.1', client_name: 'unknown', unknown_recipient: 8 }];

  it('both find a scanner whose rejects spread over several hours', async () => {
    await withBoth({ files: [scannerLog()], year: 2020 }, async (_sqlite, pg) => {
      const p = await pg.period();
      expect(await pg.scanSuspects(p, 'postfix')).toStrictEqual(scanner);
      expect((await pg.sources(p, 'scanner')).map((r) => r.client_ip)).toStrictEqual(['192.0.2.1']);
    });
  });

  it('SQLite finds it too (it did not, before its HAVING summed)', async () => {
    await withBoth({ files: [scannerLog()], year: 2020 }, async (sqlite) => {
      expect(await sqlite.scanSuspects(await sqlite.period(), 'postfix')).toStrictEqual(scanner);
    });
  });
});
