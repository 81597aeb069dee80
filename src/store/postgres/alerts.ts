// The alerts table on PostgreSQL (src/store/sqlite/alerts.ts): the same statements, as both
// dialects take ON CONFLICT with a partial index's predicate and RETURNING.
import { alertOfRow, alertWhere, OPEN_ALERT, RESOLVE_ALERT } from '../sqlite/alerts.ts';
import type { AlertOpen, AlertQuery, AlertRow } from '../types.ts';
import type { Queryable } from './pg.ts';
import { all, one } from './sql.ts';

export async function openAlert(q: Queryable, a: AlertOpen): Promise<AlertRow | undefined> {
  const row = await one<AlertRow>(q, OPEN_ALERT, { ...a });
  return row && alertOfRow(row);
}

export async function resolveAlert(q: Queryable, id: number, at: number): Promise<boolean> {
  return (await all<{ id: number }>(q, `${RESOLVE_ALERT} RETURNING id`, { id, at })).length === 1;
}

export async function markNotified(q: Queryable, id: number, kind: 'firing' | 'resolved'): Promise<void> {
  await all(q, `UPDATE alerts SET notified_${kind === 'firing' ? 'firing' : 'resolved'} = true WHERE id = @id`, { id });
}

export async function listAlerts(q: Queryable, query: AlertQuery): Promise<AlertRow[]> {
  const w = alertWhere(query);
  return (await all<AlertRow>(q, `SELECT * FROM alerts ${w.sql} ORDER BY started_at DESC, id DESC LIMIT @limit`, w.params)).map(alertOfRow);
}
