// Query parameters, validated once: a bad one is a 400 naming it.
import type { Request } from 'express';
import type { Store } from '../store/store.ts';
import type { Period } from '../store/types.ts';
import { badParam } from './http-error.ts';
import { parseIsoTime } from '../report/iso-time.ts';

export function str(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badParam(name, 'must be given once, as text');
  return v;
}

export function time(req: Request, name: string): number | undefined {
  const v = str(req, name);
  if (v === undefined || v === '') return undefined;
  const t = parseIsoTime(v);
  if (t === undefined) throw badParam(name, `"${v}" is not an ISO 8601 time (like 2026-11-27 or 2026-11-27T18:00:00Z)`);
  return t;
}

/**
 * The `host` parameter: one MTA host of a fleet, or undefined for all of them. Any text the logs
 * may have named a host with (a sources row links to it); a host with no data reads as empty.
 */
export function host(req: Request): string | undefined {
  const v = str(req, 'host');
  if (v === undefined || v === '') return undefined;
  if (v.length > 255) throw badParam('host', 'must be at most 255 characters');
  return v;
}

export function period(req: Request, store: Store): Promise<Period> {
  const from = time(req, 'from');
  const to = time(req, 'to');
  if (from !== undefined && to !== undefined && from >= to) throw badParam('to', 'must be after from');
  return store.period(from, to, host(req));
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
