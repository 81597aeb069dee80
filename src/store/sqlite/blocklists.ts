// The blocklist watch's table (migration 0016): one row per (address, list), upserted by each
// check. A check that failed (status unknown) keeps the known status, its `since` and its
// codes, and only records the error: a list that does not answer has not delisted us.
import type { Db } from './db.ts';
import type { BlocklistCheck, BlocklistRow } from '../types.ts';

export const RECORD_CHECK = `INSERT INTO blocklist_status (address, zone, status, since, checked_at, codes, reasons, meaning, last_error, agent)
  VALUES (@address, @zone, @status, @checked_at, @checked_at, @codes, @reasons, @meaning, @error, @agent)
  ON CONFLICT (address, zone) DO UPDATE SET
    since = CASE WHEN excluded.status = 'unknown' OR excluded.status = blocklist_status.status THEN blocklist_status.since ELSE excluded.checked_at END,
    status = CASE WHEN excluded.status = 'unknown' THEN blocklist_status.status ELSE excluded.status END,
    codes = CASE WHEN excluded.status = 'unknown' THEN blocklist_status.codes ELSE excluded.codes END,
    reasons = CASE WHEN excluded.status = 'unknown' THEN blocklist_status.reasons ELSE excluded.reasons END,
    meaning = CASE WHEN excluded.status = 'unknown' THEN blocklist_status.meaning ELSE excluded.meaning END,
    checked_at = excluded.checked_at, last_error = excluded.last_error, agent = excluded.agent`;

export const checkParams = (c: BlocklistCheck) => ({
  address: c.address, zone: c.zone, status: c.status, checked_at: c.checked_at, codes: JSON.stringify(c.codes),
  reasons: JSON.stringify(c.reasons), meaning: c.meaning, error: c.error, agent: c.agent,
});

type Row = Omit<BlocklistRow, 'codes' | 'reasons'> & { codes: string; reasons: string };
export const blocklistOfRow = (r: Row): BlocklistRow => ({ ...r, codes: JSON.parse(r.codes) as string[], reasons: JSON.parse(r.reasons) as string[] });

export const LIST_STATUS = 'SELECT * FROM blocklist_status ORDER BY address, zone';

export function recordBlocklist(db: Db, checks: BlocklistCheck[]): void {
  const put = db.prepare(RECORD_CHECK);
  db.transaction(() => {
    for (const c of checks) put.run(checkParams(c));
  })();
}

export function blocklistStatus(db: Db): BlocklistRow[] {
  return (db.prepare(LIST_STATUS).all() as Row[]).map(blocklistOfRow);
}

/** Rows this agent checked that are no longer configured (an address or list removed). */
export function forgetBlocklist(db: Db, agent: string, keep: { address: string; zone: string }[]): number {
  const kept = new Set(keep.map((k) => `${k.address} ${k.zone}`));
  const gone = (db.prepare('SELECT address, zone FROM blocklist_status WHERE agent = ?').all(agent) as { address: string; zone: string }[])
    .filter((r) => !kept.has(`${r.address} ${r.zone}`));
  const del = db.prepare('DELETE FROM blocklist_status WHERE address = ? AND zone = ?');
  for (const r of gone) del.run(r.address, r.zone);
  return gone.length;
}
