// Named parameters for node-postgres: queries are written with `@name` as in the SQLite
// modules (so the two backends' SQL reads alike) and turned into `$n` here.
import type { Queryable } from './pg.ts';

export type Params = Record<string, unknown>;

/** `@name` → `$n`, each name once however often it appears. */
export function named(sql: string, params: Params): { text: string; values: unknown[] } {
  const index = new Map<string, number>();
  const values: unknown[] = [];
  const text = sql.replace(/@([A-Za-z_]\w*)/g, (_, name: string) => {
    let i = index.get(name);
    if (i === undefined) {
      if (!(name in params)) throw new Error(`query parameter @${name} has no value`);
      values.push(params[name]);
      i = values.length;
      index.set(name, i);
    }
    return `$${i}`;
  });
  return { text, values };
}

export async function all<T>(q: Queryable, sql: string, params: Params = {}): Promise<T[]> {
  const { text, values } = named(sql, params);
  return (await q.query(text, values)).rows as T[];
}

export async function one<T>(q: Queryable, sql: string, params: Params = {}): Promise<T | undefined> {
  return (await all<T>(q, sql, params))[0];
}
