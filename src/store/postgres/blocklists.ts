// The blocklist watch's table on PostgreSQL (src/store/sqlite/blocklists.ts): the same upsert,
// as both dialects take ON CONFLICT ... DO UPDATE with excluded.
import { blocklistOfRow, checkParams, LIST_STATUS, RECORD_CHECK } from '../sqlite/blocklists.ts';
import type { BlocklistCheck, BlocklistRow } from '../types.ts';
import { inTransaction, type Pool, type Queryable } from './pg.ts';
import { all } from './sql.ts';

export async function recordBlocklist(pool: Pool, checks: BlocklistCheck[]): Promise<void> {
  await inTransaction(pool, async (c) => {
    for (const check of checks) await all(c, RECORD_CHECK, checkParams(check));
  });
}

export async function blocklistStatus(q: Queryable): Promise<BlocklistRow[]> {
  return (await all<Parameters<typeof blocklistOfRow>[0]>(q, LIST_STATUS)).map(blocklistOfRow);
}

export async function forgetBlocklist(q: Queryable, agent: string, keep: { address: string; zone: string }[]): Promise<number> {
  const rows = await all<{ address: string; zone: string }>(q, 'DELETE FROM blocklist_status WHERE agent = @agent AND NOT ((address, zone) = ANY (SELECT * FROM unnest(@addresses::text[], @zones::text[]))) RETURNING address',
    { agent, addresses: keep.map((k) => k.address), zones: keep.map((k) => k.zone) });
  return rows.length;
}
