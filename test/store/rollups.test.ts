// The hourly rollups (src/store/sqlite/rollups.ts) against the raw rows, on real SQLite files filled by
// importing the logs a real Postfix and Exim wrote: equal after imports, after a message is
// rewritten into another state, after retention, and after importing an older file. Periods
// with edges inside an hour are checked too (those hours come from the raw rows).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarize } from '../../src/report/summary.ts';
import type { Db } from '../../src/store/sqlite/db.ts';
import { ROLLUPS, type Rollup } from '../../src/store/sqlite/rollups.ts';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { SOURCE_KINDS, type Period } from '../../src/store/types.ts';
import { recommend } from '../../src/advise/recommend.ts';
import { recommend as recommendFromRawRows } from '../advise/legacy/recommend.ts';
import { cliOk } from '../cli/run-cli.ts';
import { allMessages, openTestStore } from '../lib/store.ts';

const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));
const YEAR = new Date((JSON.parse(readFileSync(join(FIX, 'postfix-e2e/truth.json'), 'utf8')) as { generated_at: string }).generated_at).getUTCFullYear();
const HOUR = 3_600_000;

const dir = mkdtempSync(join(tmpdir(), 'bw-rollups-'));
const dbPath = join(dir, 'r.db');
let store: SqliteStore;
let db: Db;

/** The figures as the raw-row queries give them (the definitions, as before rollups). */
// The summary's figures straight from the raw rows: the reference the rollups must equal.
const count = (db: Db, sql: string, p: Period): number =>
  (db.prepare(sql).get({ from: p.from, to: p.to }) as { n: number | null }).n ?? 0;
const IN_PERIOD = 'received_at >= @from AND received_at < @to';
const accepted = (db: Db, p: Period) =>
  count(db, `SELECT count(*) AS n FROM messages WHERE origin = 'smtp' AND outcome != 'rejected_at_smtp' AND ${IN_PERIOD}`, p);
const acceptedRemote = (db: Db, p: Period) =>
  count(db, `SELECT count(*) AS n FROM messages WHERE origin = 'smtp' AND remote = 1 AND outcome != 'rejected_at_smtp' AND ${IN_PERIOD}`, p);
const rejectedAtSmtp = (db: Db, p: Period) =>
  count(db, "SELECT count(*) AS n FROM smtp_rejects WHERE action IN ('reject', 'milter-reject') AND time >= @from AND time < @to", p);
const delivered = (db: Db, p: Period) =>
  count(db, `SELECT count(*) AS n FROM messages WHERE outcome = 'delivered' AND ${IN_PERIOD}`, p);
const deferred = (db: Db, p: Period) =>
  count(db, `SELECT count(*) AS n FROM messages m WHERE outcome = 'pending' AND ${IN_PERIOD}
    AND EXISTS (SELECT 1 FROM recipients r WHERE r.message = m.id AND r.status = 'deferred')`, p);
const bouncedAfterAccept = (db: Db, p: Period) =>
  count(db, `SELECT count(*) AS n FROM messages WHERE origin = 'smtp' AND outcome = 'bounced_after_accept' AND ${IN_PERIOD}`, p);
const ndrs = (db: Db, p: Period) => count(db, `SELECT sum(ndr_count) AS n FROM messages WHERE ${IN_PERIOD}`, p);
const backscatter = (db: Db, p: Period) =>
  count(db, `SELECT count(*) AS n FROM messages WHERE backscatter = 1 AND ${IN_PERIOD}`, p);

function grouped(db: Db, sql: string, p: Period): Record<string, number> {
  const rows = db.prepare(sql).all({ from: p.from, to: p.to }) as { k: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.k, r.n]));
}

const causes = (db: Db, p: Period) =>
  grouped(db, `SELECT r.cause AS k, count(*) AS n FROM recipients r JOIN messages m ON m.id = r.message
    WHERE r.cause IS NOT NULL AND m.${IN_PERIOD.replace(' AND ', ' AND m.')} GROUP BY r.cause ORDER BY n DESC, k`, p);
// Every NDR of a backscatter message, by fate (migration 0011: a message may send several).
const NDRS_OF_BACKSCATTER = `FROM messages m JOIN notifications nt ON nt.message = m.id AND nt.type = 'non_delivery'
  WHERE m.backscatter = 1 AND m.${IN_PERIOD.replace(' AND ', ' AND m.')}`;
const backscatterFates = (db: Db, p: Period) =>
  grouped(db, `SELECT nt.fate AS k, count(*) AS n ${NDRS_OF_BACKSCATTER} GROUP BY nt.fate ORDER BY n DESC, k`, p);
const backscatterNdrs = (db: Db, p: Period) => count(db, `SELECT count(*) AS n ${NDRS_OF_BACKSCATTER}`, p);
const delayBackscatter = (db: Db, p: Period) =>
  count(db, `SELECT sum(delay_backscatter) AS n FROM messages WHERE ${IN_PERIOD}`, p);

function raw(p: Period) {
  const a = { from: p.from, to: p.to };
  const all = <T>(sql: string, extra: Record<string, unknown> = {}) => db.prepare(sql).all({ ...a, ...extra }) as T[];
  const inP = 'm.received_at >= @from AND m.received_at < @to';
  const failed = `FROM recipients r JOIN messages m ON m.id = r.message WHERE r.cause IS NOT NULL AND ${inP}`;
  return {
    counters: {
      accepted: accepted(db, p), accepted_remote: acceptedRemote(db, p), rejected_at_smtp: rejectedAtSmtp(db, p),
      delivered: delivered(db, p), deferred: deferred(db, p), bounced_after_accept: bouncedAfterAccept(db, p),
      ndrs: ndrs(db, p), backscatter: backscatter(db, p), backscatter_ndrs: backscatterNdrs(db, p),
      backscatter_delay_warnings: delayBackscatter(db, p), causes: causes(db, p), backscatter_fates: backscatterFates(db, p),
    },
    hours: all(`SELECT received_at - received_at % ${HOUR} AS k, sum(outcome = 'delivered') AS delivered,
      sum(origin = 'smtp' AND outcome = 'bounced_after_accept') AS bounced, sum(backscatter) AS backscatter
      FROM messages WHERE received_at >= @from AND received_at < @to GROUP BY k ORDER BY k`),
    rejectHours: all(`SELECT time - time % ${HOUR} AS k, count(*) AS n FROM smtp_rejects WHERE action IN ('reject', 'milter-reject')
      AND time >= @from AND time < @to GROUP BY k ORDER BY k`),
    client: all(`SELECT client_ip, max(client_name) AS client_name, max(helo) AS helo, count(*) AS messages,
      sum(outcome = 'bounced_after_accept') AS bounced, sum(backscatter) AS backscatter FROM messages m WHERE ${inP} AND remote = 1
      GROUP BY client_ip HAVING bounced > 0 ORDER BY backscatter DESC, bounced DESC, client_ip`),
    local_domain: all(`SELECT lower(substr(r.address, instr(r.address, '@') + 1)) AS domain, r.cause AS cause, count(*) AS count
      ${failed} GROUP BY domain, r.cause ORDER BY count DESC, domain, cause`),
    recipient: all(`SELECT lower(r.address) AS address, r.cause AS cause, count(*) AS count ${failed}
      GROUP BY lower(r.address), r.cause ORDER BY count DESC, address, cause`),
    cause: all(`SELECT r.cause AS cause, count(*) AS count ${failed} GROUP BY r.cause ORDER BY count DESC, cause`),
    sender_domain: all(`SELECT m.sender_domain, count(*) AS ndrs, sum(nt.fate = 'delivered') AS delivered,
      sum(nt.fate = 'deferred') AS deferred, sum(nt.fate = 'rejected') AS rejected, sum(nt.fate = 'undeliverable') AS undeliverable,
      sum(nt.fate = 'unknown') AS unknown ${NDRS_OF_BACKSCATTER} GROUP BY m.sender_domain ORDER BY ndrs DESC, m.sender_domain`),
    scanner: all(`SELECT client_ip, max(client_name) AS client_name, count(*) AS rejects, sum(cause = 'unknown_recipient') AS unknown_recipient
      FROM smtp_rejects WHERE time >= @from AND time < @to AND action IN ('reject', 'milter-reject') AND client_ip IS NOT NULL
      GROUP BY client_ip HAVING unknown_recipient >= 3 ORDER BY unknown_recipient DESC, client_ip`),
    // The per-host split (issue 16): the summary's counters per host, and the MTAs that logged there.
    host: all<Record<string, unknown>>(`SELECT host, replace(group_concat(DISTINCT mta), ',', ', ') AS mtas, sum(accepted) AS accepted, sum(rejected_at_smtp) AS rejected_at_smtp,
      sum(bounced_after_accept) AS bounced_after_accept, sum(ndrs) AS ndrs, sum(backscatter) AS backscatter, sum(backscatter_ndrs) AS backscatter_ndrs
      FROM (SELECT host, mta, sum(origin = 'smtp' AND outcome != 'rejected_at_smtp') AS accepted, 0 AS rejected_at_smtp,
          sum(origin = 'smtp' AND outcome = 'bounced_after_accept') AS bounced_after_accept, sum(ndr_count) AS ndrs, sum(backscatter) AS backscatter,
          sum(CASE WHEN backscatter = 1 THEN (SELECT count(*) FROM notifications nt WHERE nt.message = m.id AND nt.type = 'non_delivery') ELSE 0 END) AS backscatter_ndrs
        FROM messages m WHERE ${inP} GROUP BY host, mta
        UNION ALL SELECT host, mta, 0, count(*), 0, 0, 0, 0 FROM smtp_rejects WHERE time >= @from AND time < @to
          AND action IN ('reject', 'milter-reject') GROUP BY host, mta
        ORDER BY host, mta)
      GROUP BY host ORDER BY host`),
    suspects: ['postfix', 'exim'].map((mta) => all(`SELECT client_ip, max(client_name) AS client_name, count(*) AS unknown_recipient
      FROM smtp_rejects WHERE time >= @from AND time < @to AND mta = @mta AND cause = 'unknown_recipient' AND client_ip IS NOT NULL
      GROUP BY client_ip HAVING unknown_recipient >= 3 ORDER BY unknown_recipient DESC, client_ip LIMIT 10`, { mta })),
    // Recommendations as computed before the advice rollups: every failed recipient in JavaScript.
    advice: recommendFromRawRows(db, p),
    // The message list filtered by client: the rollups choose the hours to read.
    byClient: clientIps(p).map((ip) => all<{ queue_id: string }>(`SELECT queue_id FROM messages m WHERE ${inP} AND client_ip = @ip
      ORDER BY received_at, host, queue_id, id`, { ip }).map((r) => r.queue_id)),
    // And by sender domain (rollup_sender_domains chooses the hours).
    bySenderDomain: senderDomains(p).map((d) => all<{ queue_id: string }>(`SELECT queue_id FROM messages m WHERE ${inP}
      AND sender_domain = @d ORDER BY received_at, host, queue_id, id`, { d }).map((r) => r.queue_id)),
    senderDomainTotals: senderDomains(p).map((d) => [false, true].map((bs) => all<{ n: number }>(`SELECT count(*) AS n FROM messages m
      WHERE ${inP} AND sender_domain = @d${bs ? ' AND backscatter = 1' : ''}`, { d })[0]!.n)),
  };
}

/** The same figures through the code the API uses (rollups for whole hours). */
async function rolled(p: Period) {
  const s = await summarize(store, p.from, p.to);
  const { from: _f, to: _t, lines: _l, ...counters } = s;
  const points = await store.timeseries(p, 'hour');
  const strip = (rows: Record<string, unknown>[]) => rows.map(({ filter: _x, ...r }) => r);
  const src = Object.fromEntries(await Promise.all(SOURCE_KINDS.map(async (k) => [k, strip(await store.sources(p, k, 1000))] as const)));
  // Ties (same count and key) have no defined order in either query.
  src.recipient = [...src.recipient!].sort((x, y) => Number(y.count) - Number(x.count) || String(x.address).localeCompare(String(y.address)) || String(x.cause).localeCompare(String(y.cause)));
  return {
    counters,
    hours: points.filter((pt) => pt.delivered || pt.bounced_after_accept || pt.backscatter).map((pt) => ({
      k: Date.parse(pt.t), delivered: pt.delivered, bounced: pt.bounced_after_accept, backscatter: pt.backscatter,
    })),
    rejectHours: points.filter((pt) => pt.rejected_at_smtp).map((pt) => ({ k: Date.parse(pt.t), n: pt.rejected_at_smtp })),
    ...src,
    suspects: await Promise.all((['postfix', 'exim'] as const).map((mta) => store.scanSuspects(p, mta))),
    advice: await recommend(store, p),
    byClient: await Promise.all(clientIps(p).map(async (ip) => (await allMessages(store, { client_ip: ip }, p)).map((m) => m.queue_id))),
    bySenderDomain: await Promise.all(senderDomains(p).map(async (d) => (await allMessages(store, { sender_domain: d }, p)).map((m) => m.queue_id))),
    // Counted from the rollups (the API's total).
    senderDomainTotals: await Promise.all(senderDomains(p).map((d) => Promise.all([false, true].map(async (bs) =>
      (await store.countMessages(p, { sender_domain: d, ...(bs ? { backscatter: true } : {}) })).total)))),
    client_top2: strip(await store.sources(p, 'client', 2)),
    scanner_top2: strip(await store.sources(p, 'scanner', 2)),
  };
}

/** Client IPs of the period (remote and not), and one that sent nothing. */
const clientIps = (p: Period) => [...(db.prepare(`SELECT DISTINCT client_ip FROM messages WHERE received_at >= ? AND received_at < ?
  AND client_ip IS NOT NULL ORDER BY client_ip LIMIT 8`).all(p.from, p.to) as { client_ip: string }[]).map((r) => r.client_ip), '192.0.2.254'];

/** Sender domains of the period, and one that sent nothing. */
const senderDomains = (p: Period) => [...(db.prepare(`SELECT DISTINCT sender_domain FROM messages WHERE received_at >= ? AND received_at < ?
  AND sender_domain IS NOT NULL ORDER BY sender_domain LIMIT 8`).all(p.from, p.to) as { sender_domain: string }[]).map((r) => r.sender_domain),
  'nobody.example'];

const sortRaw = (r: ReturnType<typeof raw>) => ({
  ...r,
  client_top2: r.client.slice(0, 2),
  scanner_top2: r.scanner.slice(0, 2),
  recipient: [...(r.recipient as Record<string, unknown>[])].sort((x, y) => Number(y.count) - Number(x.count)
    || String(x.address).localeCompare(String(y.address)) || String(x.cause).localeCompare(String(y.cause))),
  // A bucket with messages but none of the three counters is not a point with data.
  hours: (r.hours as { delivered: number; bounced: number; backscatter: number }[]).filter((h) => h.delivered || h.bounced || h.backscatter),
});

/** The whole data, and periods whose edges fall inside hours. */
async function periods(): Promise<Period[]> {
  const all = await store.period();
  const span = all.to - all.from;
  const out = [all];
  for (const [a, b] of [[0.1, 0.9], [0.25, 0.5], [0.5, 1], [0, 0.3]] as const) {
    out.push({ from: Math.floor(all.from + a * span) + 1234, to: Math.floor(all.from + b * span) - 567 });
  }
  out.push({ from: all.from - (all.from % HOUR), to: all.to - (all.to % HOUR) + HOUR }); // whole hours only
  return out.filter((p) => p.from < p.to);
}

async function expectEqual(): Promise<void> {
  for (const p of await periods()) expect(await rolled(p), `period ${new Date(p.from).toISOString()}..${new Date(p.to).toISOString()}`).toEqual(sortRaw(raw(p)));
  // The rollups kept up to date hour by hour equal the rollups computed afresh for every hour.
  const snapshot = () => Object.fromEntries((Object.keys(ROLLUPS) as Rollup[]).map((t) =>
    [t, (db.prepare(`SELECT * FROM ${t}`).all() as unknown[]).map((r) => JSON.stringify(r)).sort()]));
  await store.refreshRollups();
  const kept = snapshot();
  db.exec('INSERT OR IGNORE INTO rollup_dirty SELECT DISTINCT received_at - received_at % 3600000 FROM messages');
  db.exec('INSERT OR IGNORE INTO rollup_dirty SELECT DISTINCT time - time % 3600000 FROM smtp_rejects');
  for (const t of Object.keys(ROLLUPS)) db.exec(`DELETE FROM ${t}`);
  await store.refreshRollups();
  expect(snapshot()).toEqual(kept);
}

const importLog = (file: string, year = YEAR) => cliOk(['import', '--db', dbPath, '--year', String(year), file]);

beforeAll(() => {
  importLog(join(FIX, 'postfix-e2e/mail.log'));
  importLog(join(FIX, 'exim-e2e/exim-syslog.log'));
  store = openTestStore(dbPath);
  db = store.db;
});

afterAll(async () => {
  await store?.close();
});

describe('hourly rollups equal the raw rows', () => {
  it('after importing real Postfix and Exim logs', async () => {
    await expectEqual();
    expect((db.prepare('SELECT count(*) AS n FROM rollup_hours').get() as { n: number }).n).toBeGreaterThan(0);
  });

  it('after a message is rewritten into another state, and moved to another hour', async () => {
    const m = db.prepare("SELECT id, received_at FROM messages WHERE outcome = 'delivered' AND origin = 'smtp' ORDER BY id LIMIT 2").all() as { id: number; received_at: number }[];
    expect(m.length).toBe(2);
    // As the writer does: the message row, then its recipients replaced.
    db.transaction(() => {
      db.prepare("UPDATE messages SET outcome = 'bounced_after_accept', backscatter = 1, ndr_count = 1, ndr_queue_id = 'NDR1', ndr_fate = 'rejected', remote = 1 WHERE id = ?").run(m[0]!.id);
      db.prepare('DELETE FROM notifications WHERE message = ?').run(m[0]!.id);
      db.prepare("INSERT INTO notifications (message, seq, queue_id, type, rcpt, fate) VALUES (?, 0, 'NDR1', 'non_delivery', NULL, 'rejected')").run(m[0]!.id);
      db.prepare('DELETE FROM recipients WHERE message = ?').run(m[0]!.id);
      db.prepare("INSERT INTO recipients (message, seq, address, status, cause) VALUES (?, 0, 'Nobody@Example.ORG', 'bounced', 'unknown_recipient')").run(m[0]!.id);
      db.prepare('UPDATE messages SET received_at = received_at - 3 * 3600000 WHERE id = ?').run(m[1]!.id);
    })();
    await expectEqual();
  });

  it('after a bounce arrives days later for a message received earlier', async () => {
    const m = db.prepare("SELECT id FROM messages WHERE outcome = 'delivered' ORDER BY received_at DESC LIMIT 1").get() as { id: number };
    db.prepare("UPDATE messages SET outcome = 'pending', last_at = last_at + 3 * 86400000 WHERE id = ?").run(m.id);
    db.prepare("UPDATE recipients SET status = 'deferred' WHERE message = ?").run(m.id);
    db.prepare("UPDATE messages SET last_at = last_at WHERE id = ?").run(m.id); // the writer rewrites the row with its recipients
    await expectEqual();
  });

  it('after importing an older file', async () => {
    // The same log a year earlier: another first kilobyte, so another file to bouncewatch.
    const older = join(dir, 'older.log');
    writeFileSync(older, `Jan  1 00:00:00 mx0 dovecot: an older file\n${readFileSync(join(FIX, 'postfix-e2e/mail.log'), 'utf8')}`);
    const before = (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
    importLog(older, YEAR - 1);
    expect((db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n).toBeGreaterThan(before);
    await expectEqual();
  });

  it('after retention deletes old rows', async () => {
    const newest = (db.prepare('SELECT max(last_at) AS t FROM messages').get() as { t: number }).t;
    const oldest = (db.prepare('SELECT min(received_at) AS t FROM messages').get() as { t: number }).t;
    const days = Math.max(1, Math.floor((newest - oldest) / 86_400_000 / 2));
    // Retention keeps open messages; the older file's are closed by now in a real log.
    db.prepare('UPDATE messages SET state = NULL WHERE last_at < ?').run(newest - days * 86_400_000);
    const r = await store.retain(days);
    expect(r.messages).toBeGreaterThan(0);
    await expectEqual();
  });

  it('on a read-only connection, from the raw rows while hours are marked', async () => {
    db.prepare("UPDATE messages SET outcome = 'discarded' WHERE id = (SELECT max(id) FROM messages)").run();
    const ro = openTestStore(dbPath, { readonly: true });
    try {
      const p = await store.period();
      expect(await summarize(ro, p.from, p.to)).toEqual(await summarize(store, p.from, p.to));
    } finally {
      await ro.close();
    }
  });
});
