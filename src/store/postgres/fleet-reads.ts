// The fleet's reads on a PgStore (issue 16): a period of one host, and the per-host totals.
// Temporary: pg-store.ts belongs to other work in progress, so these two methods are added to
// its class from here; once pg-store.ts has them (`period(from, to, host)` passing `host` to
// resolvePeriod, and `hostTotals(p)` calling hosts.ts), this file and its import in open.ts go.
import type { HostTotals, Period } from '../types.ts';
import { hostTotals } from './hosts.ts';
import { resolvePeriod } from './period.ts';
import { PgStore } from './pg-store.ts';
import type { Pool } from './pg.ts';

declare module './pg-store.ts' {
  interface PgStore {
    hostTotals(p: Period): Promise<HostTotals[]>;
  }
}

/** The pool a PgStore reads through (a private field of pg-store.ts, until the methods move there). */
const poolOf = (s: PgStore) => (s as unknown as { pool: Pool }).pool;

PgStore.prototype.period = function period(this: PgStore, from?: number, to?: number, host?: string) {
  return resolvePeriod(poolOf(this), from, to, host);
};
PgStore.prototype.hostTotals = function (this: PgStore, p: Period) {
  return hostTotals(poolOf(this), p);
};
