// Reference for test/store/rollups.test.ts: the recommendations as computed before the advice rollups
// (every failed recipient in JavaScript), kept verbatim from the commit before migration 0005.
// The evidence for recommendations: failed recipients of a period grouped by MTA and cause,
// with their NDRs, backscatter, examples, domains, relays and aliases, and the clients that
// look like dictionary scanners. Read-only queries over the store.
import type { Db } from '../../../src/store/sqlite/db.ts';
import { SCAN_MIN_REJECTS, type Period } from '../../../src/store/types.ts';
import { scanSuspects as rollupScanSuspects } from '../../../src/store/sqlite/rollup-queries.ts';
import type { Example, Mta } from '../../../src/advise/types.ts';

export interface FailedRcpt {
  mta: Mta;
  host: string;
  queue_id: string;
  message: number;
  address: string;
  orig_address: string | null;
  cause: string;
  reason: string;
  relay: string | null;
  ndr_count: number;
  backscatter: number;
}

export interface Group {
  mta: Mta;
  cause: string;
  rcpts: FailedRcpt[];
}

/** Failed recipients of the period, grouped by the rule that would have stopped them. */
export function failedRecipients(db: Db, p: Period): FailedRcpt[] {
  return db.prepare(`SELECT m.mta, m.host, m.queue_id, m.id AS message, r.address, r.orig_address, r.cause,
      coalesce(r.reason, '') AS reason, r.relay, m.ndr_count, m.backscatter
    FROM recipients r JOIN messages m ON m.id = r.message
    WHERE r.cause IS NOT NULL AND m.received_at >= @from AND m.received_at < @to AND m.origin != 'local'
    ORDER BY m.received_at, m.id, r.seq`).all({ from: p.from, to: p.to }) as FailedRcpt[];
}

export interface Tally {
  messages: number;
  ndrs: number;
  backscatter: number;
  examples: Example[];
}

/** Counts per message (a message with two failed recipients counts once). */
export function tally(rcpts: FailedRcpt[]): Tally {
  const byMessage = new Map<number, FailedRcpt>();
  for (const r of rcpts) if (!byMessage.has(r.message)) byMessage.set(r.message, r);
  const msgs = [...byMessage.values()];
  return {
    messages: msgs.length,
    ndrs: msgs.reduce((a, m) => a + m.ndr_count, 0),
    backscatter: msgs.reduce((a, m) => a + m.backscatter, 0),
    examples: msgs.slice(0, 3).map((m) => ({ host: m.host, queue_id: m.queue_id, recipient: m.address, reason: m.reason })),
  };
}

/** The most frequent values, most frequent first. */
export function top(values: (string | null | undefined)[], n = 5): string[] {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n).map(([v]) => v);
}

export const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/** A relay is a downstream server when it is a host (name[ip]:port), not local delivery. */
export function downstream(relay: string | null): string | undefined {
  if (!relay || !relay.includes('[') || relay.includes('[/')) return undefined;
  return relay;
}

export interface Suspect {
  client_ip: string;
  client_name: string | null;
  unknown_recipient: number;
}

/** Clients with several unknown-recipient rejects at SMTP time: dictionary-scan suspects. */
export function scanSuspects(db: Db, p: Period, mta: Mta): Suspect[] {
  return rollupScanSuspects(db, p, mta, SCAN_MIN_REJECTS);
}

/** The size limit a downstream announced, from texts like "(40479 > 20000)" or "size limit 20000". */
export function sizeLimit(reasons: string[]): number | undefined {
  const limits = reasons
    .map((r) => /size limit (\d+)|\(\d+ > (\d+)\)|max=(\d+)|limit of (\d+)/i.exec(r))
    .map((m) => (m ? Number(m[1] ?? m[2] ?? m[3] ?? m[4]) : NaN))
    .filter((n) => Number.isFinite(n) && n > 0);
  return limits.length > 0 ? Math.min(...limits) : undefined;
}
