// The evidence for recommendations on PostgreSQL (src/store/sqlite/advice.ts): failed recipients
// by MTA, host and advice rule (one config per host) from the rollups (rollup_advice, rollup_advice_values), with examples
// from the raw rows, and the clients that look like dictionary scanners.
import { topOf } from '../sqlite/rollups.ts';
import { SCAN_MIN_REJECTS, type AdviceGroup, type Example, type Mta, type Period, type Suspect } from '../types.ts';
import type { Queryable } from './pg.ts';
import { scanSuspects as rollupScanSuspects } from './rollup-queries.ts';
import { ADVICE_RULE, HOUR, rollupRows, type Rollup } from './rollups.ts';
import { all, type Params } from './sql.ts';

const TOP = 5;

async function rolled<T>(q: Queryable, table: Rollup, p: Period, outer: (src: string) => string, extra: Params = {}): Promise<T[]> {
  const { sql, params } = await rollupRows(q, table, p);
  return all<T>(q, outer(`(${sql}) AS src`), { ...params, ...extra });
}

/** Failed recipients of the period by MTA, host and rule (in that order), with their evidence. */
export async function adviceGroups(q: Queryable, p: Period): Promise<AdviceGroup[]> {
  type Sums = Pick<AdviceGroup, 'mta' | 'host' | 'rule' | 'messages' | 'ndrs' | 'backscatter' | 'size_limit'>;
  const groups = await rolled<Sums>(q, 'rollup_advice', p, (src) => `SELECT
      mta,
      host,
      rule,
      sum(messages) AS messages,
      sum(ndrs) AS ndrs,
      sum(backscatter) AS backscatter,
      min(size_limit) AS size_limit
    FROM ${src}
    GROUP BY mta, host, rule
    HAVING sum(messages) > 0
    ORDER BY mta, host, rule`);
  const lists = await topValues(q, p);
  const top = (g: Group, kind: string) => (lists.get(keyOf({ ...g, kind })) ?? []).map(([v]) => v);
  const out: AdviceGroup[] = [];
  for (const g of groups) {
    out.push({
      ...g,
      examples: await examples(q, { ...p, host: g.host }, g.mta, g.rule),
      domains: top(g, 'domain'), recipients: top(g, 'recipient'), relays: top(g, 'relay'), aliases: top(g, 'alias'),
    });
  }
  return out;
}

type Top = [string, number][];
type Group = { mta: string; host: string; rule: string };
const keyOf = (g: Group & { kind: string }) => JSON.stringify([g.mta, g.host, g.rule, g.kind]);

/**
 * The five most frequent values of each (MTA, host, rule, kind), ties broken as advise's top() does
 * (topOf: localeCompare). PostgreSQL keeps the values whose count is among the five largest
 * counts of their list; topOf picks among them.
 */
async function topValues(q: Queryable, p: Period): Promise<Map<string, Top>> {
  const rows = await rolled<Group & { kind: string; value: string; n: number }>(q, 'rollup_advice_values', p, (src) => `
    SELECT mta, host, rule, kind, value, n FROM (
      SELECT mta, host, rule, kind, value, sum(n) AS n, dense_rank() OVER (PARTITION BY mta, host, rule, kind ORDER BY sum(n) DESC) AS rank
      FROM ${src} GROUP BY mta, host, rule, kind, value) AS ranked
    WHERE rank <= ${TOP} ORDER BY mta, host, rule, kind, value`);
  const lists = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const k = keyOf(r);
    let m = lists.get(k);
    if (!m) lists.set(k, (m = new Map()));
    m.set(r.value, r.n);
  }
  const out = new Map<string, Top>();
  for (const [k, m] of lists) out.set(k, topOf(m, TOP));
  return out;
}

/**
 * The first three messages of a group in the period (by time, then id), each with its first
 * failed recipient of the group. The rollup says which hours hold them; only those are read.
 * The period names the group's host.
 */
export async function examples(q: Queryable, p: Period, mta: string, rule: string): Promise<Example[]> {
  const hours = await rolled<{ hour: number }>(q, 'rollup_advice', p, (src) =>
    `SELECT hour FROM ${src} WHERE mta = @mta AND rule = @rule AND messages > 0 ORDER BY hour LIMIT 3`, { mta, rule });
  const out = new Map<number, Example>();
  for (const { hour } of hours) {
    const lo = Math.max(hour, p.from);
    const hi = Math.min(hour + HOUR, p.to);
    const rows = await all<Example & { message: number }>(q, `SELECT m.id AS message, m.host, m.queue_id, r.address AS recipient,
        coalesce(r.reason, '') AS reason
      FROM messages m JOIN recipients r ON r.message = m.id AND r.part = m.part
      WHERE m.received_at >= @lo AND m.received_at < @hi AND m.mta = @mta AND m.origin != 'local' AND r.cause IS NOT NULL
        AND ${ADVICE_RULE} = @rule AND (@host::text IS NULL OR m.host = @host::text)
      ORDER BY m.received_at, m.id, r.seq`, { lo, hi, mta, rule, host: p.host ?? null });
    for (const r of rows) {
      if (!out.has(r.message)) out.set(r.message, { host: r.host, queue_id: r.queue_id, recipient: r.recipient, reason: r.reason });
      if (out.size === 3) return [...out.values()];
    }
  }
  return [...out.values()];
}

/** Clients with several unknown-recipient rejects at SMTP time: dictionary-scan suspects. */
export async function scanSuspects(q: Queryable, p: Period, mta: Mta): Promise<Suspect[]> {
  return rollupScanSuspects(q, p, mta, SCAN_MIN_REJECTS);
}
