// The alerts table (migration 0015): an alert opens unless one of its (rule, key) is firing
// (the partial unique index decides, so of several writers only one opens it), resolves once,
// and records which of its notifications every channel took.
import type { Db } from './db.ts';
import type { AlertOpen, AlertQuery, AlertRow } from '../types.ts';

type Row = Omit<AlertRow, 'notified_firing' | 'notified_resolved'> & { notified_firing: number | boolean; notified_resolved: number | boolean };

/** A row as both backends hand it out (SQLite's 0/1 as booleans). */
export const alertOfRow = (r: Row): AlertRow => ({ ...r, notified_firing: Boolean(r.notified_firing), notified_resolved: Boolean(r.notified_resolved) });

export const OPEN_ALERT = `INSERT INTO alerts (rule, key, host, state, started_at, fired_at, title, value, threshold, evidence)
  VALUES (@rule, @key, @host, 'firing', @started_at, @fired_at, @title, @value, @threshold, @evidence)
  ON CONFLICT (rule, key) WHERE state = 'firing' DO NOTHING RETURNING *`;

export const RESOLVE_ALERT = "UPDATE alerts SET state = 'resolved', resolved_at = @at WHERE id = @id AND state = 'firing'";

/** The WHERE of an alert query, and its parameters (shared with the PostgreSQL twin). */
export function alertWhere(q: AlertQuery): { sql: string; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = { limit: q.limit ?? 100 };
  const add = (cond: string, name: string, v: unknown) => {
    where.push(cond);
    params[name] = v;
  };
  if (q.state) add('state = @state', 'state', q.state);
  if (q.from !== undefined) add('started_at >= @from', 'from', q.from);
  if (q.to !== undefined) add('started_at < @to', 'to', q.to);
  if (q.rule) add('rule = @rule', 'rule', q.rule);
  if (q.key !== undefined) add('key = @key', 'key', q.key);
  return { sql: where.length > 0 ? `WHERE ${where.join(' AND ')}` : '', params };
}

export function openAlert(db: Db, a: AlertOpen): AlertRow | undefined {
  const row = db.prepare(OPEN_ALERT).get(a) as Row | undefined;
  return row && alertOfRow(row);
}

export function resolveAlert(db: Db, id: number, at: number): boolean {
  return db.prepare(RESOLVE_ALERT).run({ id, at }).changes === 1;
}

export function markNotified(db: Db, id: number, kind: 'firing' | 'resolved'): void {
  db.prepare(`UPDATE alerts SET notified_${kind === 'firing' ? 'firing' : 'resolved'} = 1 WHERE id = ?`).run(id);
}

export function listAlerts(db: Db, q: AlertQuery): AlertRow[] {
  const w = alertWhere(q);
  return (db.prepare(`SELECT * FROM alerts ${w.sql} ORDER BY started_at DESC, id DESC LIMIT @limit`).all(w.params) as Row[]).map(alertOfRow);
}
