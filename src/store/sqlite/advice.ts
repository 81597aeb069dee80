// The evidence for recommendations: failed recipients of a period grouped by MTA, host and
// advice rule (one config per host), with their NDRs, backscatter, examples, domains, recipients, relays and aliases, and
// the clients that look like dictionary scanners. Read from the hourly rollups
// (rollup_advice, rollup_advice_values: rollups.ts); only the examples read raw rows,
// and only of the first hours that hold the group's messages.
import type { Db } from './db.ts';
import { scanSuspects as rollupScanSuspects } from './rollup-queries.ts';
import { ADVICE_RULE, HOUR, rollupRows, rollupSplit, topOf, type Rollup } from './rollups.ts';
import { SCAN_MIN_REJECTS, type AdviceGroup, type Example, type Mta, type Period, type Suspect } from '../types.ts';

const TOP = 5;

function rolled<T>(db: Db, table: Rollup, p: Period, outer: (src: string) => string, extra: Record<string, unknown> = {}): T[] {
  const { sql, params } = rollupRows(db, table, p);
  return db.prepare(outer(`(${sql})`)).all({ ...params, ...extra }) as T[];
}

/** Failed recipients of the period by MTA, host and rule, with their evidence. */
export function adviceGroups(db: Db, p: Period): AdviceGroup[] {
  type Sums = Pick<AdviceGroup, 'mta' | 'host' | 'rule' | 'messages' | 'ndrs' | 'backscatter' | 'size_limit'>;
  const groups = rolled<Sums>(db, 'rollup_advice', p, (src) => `SELECT
      mta,
      host,
      rule,
      sum(messages) AS messages,
      sum(ndrs) AS ndrs,
      sum(backscatter) AS backscatter,
      min(size_limit) AS size_limit
    FROM ${src}
    GROUP BY mta, host, rule
    HAVING messages > 0
    ORDER BY mta, host, rule`);
  const lists = topValues(db, p);
  const topOf = (g: Group, kind: string) => (lists.get(keyOf({ ...g, kind })) ?? []).map(([v]) => v);
  return groups.map((g) => ({
    ...g,
    examples: examples(db, { ...p, host: g.host }, g.mta, g.rule),
    domains: topOf(g, 'domain'), recipients: topOf(g, 'recipient'), relays: topOf(g, 'relay'), aliases: topOf(g, 'alias'),
  }));
}

type Top = [string, number][];
type Group = { mta: string; host: string; rule: string };
const keyOf = (g: Group & { kind: string }) => JSON.stringify([g.mta, g.host, g.rule, g.kind]);

/**
 * The five most frequent values of each (MTA, host, rule, kind), ties broken as top() did. The whole
 * hours stream from the rollup in index order into bw_top5 (src/store/sqlite/rollups.ts); a value seen
 * in the partial hours at the edges is added to its whole-hour count. A value outside a list's
 * whole-hour top five and absent from the edges cannot enter it: the five before it only grow.
 */
function topValues(db: Db, p: Period): Map<string, Top> {
  const out = new Map<string, Top>();
  const keyed = keyOf;
  const split = rollupSplit(db, 'rollup_advice_values', p);
  const whole = split
    ? db.prepare(`SELECT mta, host, rule, kind, bw_top5(value, n) AS top FROM rollup_advice_values INDEXED BY rollup_advice_values_group
        WHERE hour >= @from AND hour < @to${split.host} GROUP BY mta, host, rule, kind`).all({ ...split.params, from: split.from, to: split.to })
    : rolled(db, 'rollup_advice_values', p, (src) => `SELECT mta, host, rule, kind, bw_top5(value, n) AS top FROM ${src} GROUP BY mta, host, rule, kind`);
  const lists = new Map<string, Map<string, number>>();
  for (const r of whole as (Group & { kind: string; top: string })[]) lists.set(keyed(r), new Map(JSON.parse(r.top) as Top));
  if (split?.edges) {
    const edge = db.prepare(`SELECT mta, host, rule, kind, value, sum(n) AS n FROM (${split.edges.sql}) GROUP BY 1, 2, 3, 4, 5`)
      .all(split.edges.params) as (Group & { kind: string; value: string; n: number })[];
    const wholeCount = db.prepare(`SELECT coalesce(sum(n), 0) AS n FROM rollup_advice_values INDEXED BY rollup_advice_values_group
      WHERE mta = @mta AND host = @host AND rule = @rule AND kind = @kind AND value = @value AND hour >= @from AND hour < @to`);
    for (const e of edge) {
      const list = lists.get(keyed(e)) ?? new Map<string, number>();
      const w = (wholeCount.get({ ...e, from: split.from, to: split.to }) as { n: number }).n;
      list.set(e.value, w + e.n);
      lists.set(keyed(e), list);
    }
  }
  for (const [k, m] of lists) out.set(k, topOf(m, TOP));
  return out;
}

/**
 * The first three messages of a group in the period (by time, then id), each with its first
 * failed recipient of the group. The rollup says which hours hold them; only those are read.
 * The period names the group's host.
 */
export function examples(db: Db, p: Period, mta: string, rule: string): Example[] {
  const hours = rolled<{ hour: number }>(db, 'rollup_advice', p, (src) =>
    `SELECT hour FROM ${src} WHERE mta = @mta AND rule = @rule AND messages > 0 ORDER BY hour LIMIT 3`, { mta, rule });
  const stmt = db.prepare(`SELECT m.id AS message, m.host, m.queue_id, r.address AS recipient, coalesce(r.reason, '') AS reason
    FROM messages m JOIN recipients r ON r.message = m.id
    WHERE m.received_at >= @lo AND m.received_at < @hi AND m.mta = @mta AND m.origin != 'local' AND r.cause IS NOT NULL
      AND ${ADVICE_RULE} = @rule AND (@host IS NULL OR m.host = @host)
    ORDER BY m.received_at, m.id, r.seq`);
  const out = new Map<number, Example>();
  for (const { hour } of hours) {
    const lo = Math.max(hour, p.from);
    const hi = Math.min(hour + HOUR, p.to);
    for (const r of stmt.all({ lo, hi, mta, rule, host: p.host ?? null }) as (Example & { message: number })[]) {
      if (!out.has(r.message)) out.set(r.message, { host: r.host, queue_id: r.queue_id, recipient: r.recipient, reason: r.reason });
      if (out.size === 3) return [...out.values()];
    }
  }
  return [...out.values()];
}

/** Clients with several unknown-recipient rejects at SMTP time: dictionary-scan suspects. */
export function scanSuspects(db: Db, p: Period, mta: Mta): Suspect[] {
  return rollupScanSuspects(db, p, mta, SCAN_MIN_REJECTS);
}
