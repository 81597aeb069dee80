// Query parameters, validated once: a bad one is a 400 naming it.
import type { Request } from 'express';
import { resolvePeriod, type Period } from '../store/queries.ts';
import type { Db } from '../store/db.ts';
import { badParam } from './http-error.ts';

export function str(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badParam(name, 'must be given once, as text');
  return v;
}

// YYYY-MM-DD, optionally Thh:mm[:ss[.fff]] and Z or an offset: the forms the dashboard sends.
const ISO = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.\d{1,9})?)?(?:Z|[+-](\d\d):?(\d\d))?)?$/i;

/** Each field within its range: Date.parse would roll 2026-02-30 over to March 2. */
function realTime(v: string): boolean {
  const m = ISO.exec(v);
  if (!m) return false;
  const [y, mo, d, h = 0, mi = 0, s = 0, oh = 0, om = 0] = m.slice(1).map((x) => (x === undefined ? undefined : Number(x)));
  const days = new Date(Date.UTC(y!, mo!, 0)).getUTCDate();
  // Mail logs begin after 1970; 0000-01-01 and the like are typing mistakes, not periods.
  return y! >= 1970 && mo! >= 1 && mo! <= 12 && d! >= 1 && d! <= days && h <= 23 && mi <= 59 && s <= 59 && oh <= 23 && om <= 59;
}

function time(req: Request, name: string): number | undefined {
  const v = str(req, name);
  if (v === undefined || v === '') return undefined;
  const t = realTime(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw badParam(name, `"${v}" is not an ISO 8601 time (like 2026-11-27 or 2026-11-27T18:00:00Z)`);
  return t;
}

export function period(req: Request, db: Db): Period {
  const from = time(req, 'from');
  const to = time(req, 'to');
  if (from !== undefined && to !== undefined && from >= to) throw badParam('to', 'must be after from');
  return resolvePeriod(db, from, to);
}

export function int(req: Request, name: string, def: number, min: number, max: number): number {
  const v = str(req, name);
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw badParam(name, `must be a whole number from ${min} to ${max}`);
  return n;
}

export function oneOf<T extends string>(req: Request, name: string, allowed: readonly T[], def?: T): T {
  const v = str(req, name) ?? def;
  if (v === undefined || !(allowed as readonly string[]).includes(v)) throw badParam(name, `must be one of ${allowed.join(', ')}`);
  return v as T;
}
