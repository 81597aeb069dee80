// Writes one batch into PostgreSQL in one transaction, as src/store/sqlite/writer.ts does into
// SQLite: messages, recipients, notifications, raw lines, rejects, counters, samples, learnt
// domains, spill, positions, clock; all of it or nothing. Rows go in one statement per table
// (arrays unnested), not one per row: a batch of thousands of messages is a few round trips.
// Each agent's positions, clock and spill are its own (`agent`); the hours a batch changed are
// marked for the rollups last, in hour order (rollups.ts).
import { randomUUID } from 'node:crypto';
import { downstreamHost, sizeLimitOf } from '../../correlate/relays.ts';
import type { MessageWrite, WriteBatch, WriteResult } from '../types.ts';
import { dayOf, ensurePartitions } from './partitions.ts';
import type { Client, Pool } from './pg.ts';
import { hourOf, markDirty } from './rollups.ts';

const MAX_SAMPLES = 1000;

/** Column name → PostgreSQL array type, in insert order. */
const MESSAGE_COLUMNS = {
  id: 'bigint', part: 'integer', agent: 'text', mta: 'text', host: 'text', queue_id: 'text', queue_ids: 'text', message_id: 'text',
  origin: 'text', received_at: 'bigint', last_at: 'bigint', client_ip: 'text', client_name: 'text', helo: 'text',
  authenticated: 'smallint', remote: 'smallint', sender: 'text', sender_domain: 'text', outcome: 'text', ndr_queue_id: 'text',
  ndr_to: 'text', ndr_fate: 'text', ndr_count: 'integer', backscatter: 'smallint', delay_backscatter: 'integer', state: 'text',
} as const;
const RECIPIENT_COLUMNS = {
  part: 'integer', message: 'bigint', seq: 'integer', address: 'text', orig_address: 'text', status: 'text', dsn: 'text', cause: 'text',
  reason: 'text', relay: 'text', relay_host: 'text', size_limit: 'bigint',
} as const;
const NOTIFICATION_COLUMNS = {
  part: 'integer', message: 'bigint', seq: 'integer', queue_id: 'text', type: 'text', rcpt: 'text', fate: 'text', cause: 'text', reason: 'text',
} as const;
const REJECT_COLUMNS = {
  part: 'integer', agent: 'text', time: 'bigint', mta: 'text', host: 'text', queue_id: 'text', action: 'text', stage: 'text',
  by_program: 'text', client_ip: 'text', client_name: 'text', helo: 'text', sender: 'text', recipient: 'text', code: 'text', dsn: 'text',
  cause: 'text', reason: 'text', line: 'text',
} as const;

type Columns = Record<string, string>;

/**
 * PostgreSQL's text cannot hold NUL (SQLite's can): a log line with one (syslog files padded
 * with NULs after a crash) would fail its batch again at every retry. NUL becomes U+FFFD.
 */
export function textOk<T>(v: T): T {
  return (typeof v === 'string' && v.includes('\u0000') ? v.replaceAll('\u0000', '\uFFFD') : v) as T;
}

/** Rows kept as one array per column, for INSERT ... SELECT FROM unnest(...). */
class Rows<C extends Columns> {
  readonly cols: Record<keyof C, unknown[]>;
  length = 0;
  constructor(private readonly types: C) {
    this.cols = Object.fromEntries(Object.keys(types).map((k) => [k, []])) as unknown as Record<keyof C, unknown[]>;
  }
  push(row: Record<keyof C, unknown>): void {
    for (const k of Object.keys(this.types) as (keyof C)[]) this.cols[k].push(textOk(row[k]));
    this.length++;
  }
  /** `SELECT * FROM unnest($1::t1[], ...)` and its values, from parameter `first` on. */
  unnest(first = 1): { from: string; values: unknown[] } {
    const keys = Object.keys(this.types);
    return {
      from: `unnest(${keys.map((k, i) => `$${first + i}::${this.types[k]}[]`).join(', ')}) AS v(${keys.join(', ')})`,
      values: keys.map((k) => this.cols[k as keyof C]),
    };
  }
}

async function insertRows<C extends Columns>(c: Client, table: string, rows: Rows<C>): Promise<void> {
  if (rows.length === 0) return;
  const { from, values } = rows.unnest();
  await c.query(`INSERT INTO ${table} (${Object.keys(rows.cols).join(', ')}) SELECT * FROM ${from}`, values);
}

export class PgWriter {
  private samples: number | undefined;
  /** A batch's messages, taken (and judged) once: a retry after a failed transaction writes the same. */
  private readonly taken = new WeakMap<WriteBatch, { messages: MessageWrite[]; token: string }>();

  constructor(private readonly pool: Pool, private readonly agent: string) {}

  async write(batch: WriteBatch): Promise<WriteResult> {
    const tried = this.taken.get(batch);
    const attempt = tried ?? { messages: [...batch.messages], token: randomUUID() };
    this.taken.set(batch, attempt);
    const { messages, token } = attempt;
    // Every message's day: one written before whose row retention dropped is written anew there.
    const days = [...messages.map((m) => dayOf(m.firstAt)), ...batch.rejects.map((r) => dayOf(r.time))];
    await ensurePartitions(this.pool, days);
    this.samples ??= (await this.pool.query<{ n: number }>('SELECT count(*)::bigint AS n FROM unknown_samples')).rows[0]!.n;
    const c = await this.pool.connect();
    let broken = false;
    try {
      await c.query('BEGIN');
      // The agent's row, locked: a commit of this agent still on its way (its answer lost on a
      // broken connection) is waited for, and then seen. If it was this very batch, it is not
      // written again.
      await c.query("INSERT INTO agent_last_batch (agent, token, ids) VALUES ($1, '', '[]') ON CONFLICT (agent) DO NOTHING", [this.agent]);
      const last = (await c.query<{ token: string; ids: string }>('SELECT token, ids FROM agent_last_batch WHERE agent = $1 FOR UPDATE', [this.agent])).rows[0]!;
      if (tried && last.token === token) {
        await c.query('COMMIT');
        this.taken.delete(batch);
        return { ids: JSON.parse(last.ids) as number[] };
      }
      const r = await this.writeInTx(c, batch, messages);
      await c.query(`INSERT INTO agent_last_batch (agent, token, ids) VALUES ($1, $2, $3)
        ON CONFLICT (agent) DO UPDATE SET token = excluded.token, ids = excluded.ids`, [this.agent, token, JSON.stringify(r.ids)]);
      await c.query('COMMIT');
      this.samples = r.samples;
      this.taken.delete(batch);
      return { ids: r.ids };
    } catch (e) {
      await c.query('ROLLBACK').catch(() => (broken = true));
      throw e;
    } finally {
      c.release(broken);
    }
  }

  private async writeInTx(c: Client, b: WriteBatch, messages: MessageWrite[]): Promise<{ ids: number[]; samples: number }> {
    const agent = this.agent;
    const dirty: number[] = [];
    // Messages written before: where they are (their partition) and their hour then.
    const known = messages.filter((m) => m.id !== undefined).map((m) => m.id!);
    const parts = new Map<number, number>();
    if (known.length > 0) {
      const minDay = Math.min(...messages.filter((m) => m.id !== undefined).map((m) => dayOf(m.firstAt)));
      const rows = (await c.query<{ id: number; part: number; received_at: number }>(
        'SELECT id, part, received_at FROM messages WHERE id = ANY($1::bigint[]) AND part >= $2', [known, minDay])).rows;
      for (const r of rows) {
        parts.set(r.id, r.part);
        dirty.push(hourOf(r.received_at));
      }
    }
    const fresh = messages.filter((m) => m.id === undefined || !parts.has(m.id)).length;
    const newIds = fresh === 0 ? [] : (await c.query<{ id: number }>("SELECT nextval('messages_id_seq') AS id FROM generate_series(1, $1)", [fresh])).rows.map((r) => r.id);

    const inserts = new Rows(MESSAGE_COLUMNS);
    const updates = new Rows(MESSAGE_COLUMNS);
    const rcpts = new Rows(RECIPIENT_COLUMNS);
    const notes = new Rows(NOTIFICATION_COLUMNS);
    const lines = new Rows({ part: 'integer', message: 'bigint', chunk: 'text' } as const);
    const unspill: number[] = [];
    const spills: { id: number; host: string; deadline: number; qids: string[]; state: string }[] = [];
    const moves: { id: number; part: number; from: number[] }[] = [];
    const ids: number[] = [];
    let next = 0;
    for (const m of messages) {
      const rec = m.record;
      const was = m.id !== undefined ? parts.get(m.id) : undefined;
      const id = was !== undefined ? m.id! : newIds[next++]!;
      const part = was ?? dayOf(m.firstAt);
      ids.push(id);
      dirty.push(hourOf(m.firstAt));
      if (m.fromSpill || (m.spill && was !== undefined)) unspill.push(id);
      (was !== undefined ? updates : inserts).push({
        id, part, agent, mta: rec.mta, host: rec.host, queue_id: rec.queue_id, queue_ids: JSON.stringify(rec.queue_ids),
        message_id: rec.message_id, origin: rec.origin, received_at: m.firstAt, last_at: m.lastAt, client_ip: rec.client_ip,
        client_name: rec.client_name, helo: rec.helo, authenticated: rec.authenticated ? 1 : 0, remote: rec.remote ? 1 : 0,
        sender: rec.sender, sender_domain: m.senderDomain, outcome: rec.outcome, ndr_queue_id: rec.ndr?.queue_id ?? null,
        ndr_to: rec.ndr?.to ?? null, ndr_fate: rec.ndr?.fate ?? null, ndr_count: m.ndrCount, backscatter: rec.backscatter ? 1 : 0,
        delay_backscatter: m.delayBackscatter, state: m.spill ? null : m.state,
      });
      rec.notifications.forEach((n, seq) => notes.push({ part, message: id, seq, queue_id: n.queue_id, type: n.type, rcpt: n.to, fate: n.fate, cause: n.cause, reason: n.reason }));
      rec.recipients.forEach((r, seq) => {
        const relay = m.relays[seq] ?? null;
        rcpts.push({
          part, message: id, seq, address: r.address, orig_address: r.orig_address, status: r.status, dsn: r.dsn, cause: r.cause,
          reason: r.reason, relay, relay_host: downstreamHost(relay), size_limit: sizeLimitOf(r.reason),
        });
      });
      if (m.absorbed.length > 0) moves.push({ id, part, from: m.absorbed });
      if (m.lines !== null) lines.push({ part, message: id, chunk: m.lines });
      if (m.spill) spills.push({ id, host: rec.host, ...m.spill });
    }

    // Messages written before: their row updated, their recipients and notifications replaced.
    if (updates.length > 0) {
      const { from, values } = updates.unnest();
      const set = Object.keys(MESSAGE_COLUMNS).filter((k) => k !== 'id' && k !== 'part').map((k) => `${k} = v.${k}`).join(', ');
      await c.query(`UPDATE messages m SET ${set} FROM ${from} WHERE m.id = v.id AND m.part = v.part`, values);
      const upd = updates.cols.id as number[];
      const updParts = [...new Set(updates.cols.part as number[])];
      await c.query('DELETE FROM recipients WHERE message = ANY($1::bigint[]) AND part = ANY($2::integer[])', [upd, updParts]);
      await c.query('DELETE FROM notifications WHERE message = ANY($1::bigint[]) AND part = ANY($2::integer[])', [upd, updParts]);
    }
    await insertRows(c, 'messages', inserts);
    await insertRows(c, 'recipients', rcpts);
    await insertRows(c, 'notifications', notes);
    // Messages merged into another: their lines move to it, their rows go.
    for (const mv of moves) {
      await c.query('UPDATE message_lines SET message = $1, part = $2 WHERE message = ANY($3::bigint[])', [mv.id, mv.part, mv.from]);
      dirty.push(...(await this.deleteMessages(c, mv.from, false)));
      unspill.push(...mv.from);
    }
    await insertRows(c, 'message_lines', lines);

    for (const o of b.spillOnly) {
      unspill.push(o.id);
      spills.push(o);
    }
    if (b.spillOnly.length > 0) {
      // Their rows are up to date: the state moves to the spill, out of what start-up loads.
      await c.query('UPDATE messages SET state = NULL WHERE id = ANY($1::bigint[])', [b.spillOnly.map((o) => o.id)]);
    }
    const dropped = new Set(b.dropped.map((d) => d.id));
    if (dropped.size > 0) {
      const gone = [...dropped];
      dirty.push(...(await this.deleteMessages(c, gone, true)));
      unspill.push(...gone);
    }
    await this.writeSpill(c, unspill, spills.filter((s) => !dropped.has(s.id)));

    if (b.rejects.length > 0) {
      const rows = new Rows(REJECT_COLUMNS);
      for (const r of b.rejects) {
        dirty.push(hourOf(r.time));
        rows.push({
          part: dayOf(r.time), agent, time: r.time, mta: r.mta, host: r.host, queue_id: r.qid, action: r.action, stage: r.stage, by_program: r.by,
          client_ip: r.clientIp, client_name: r.clientName, helo: r.helo, sender: r.sender, recipient: r.recipient, code: r.code, dsn: r.dsn,
          cause: r.cause, reason: r.reason, line: r.line,
        });
      }
      await insertRows(c, 'smtp_rejects', rows);
    }
    if (b.counts.size > 0) {
      const hours = [...b.counts.keys()];
      const cnt = [...b.counts.values()];
      await c.query(`INSERT INTO line_counts (agent, hour, total, mail, unknown, other)
        SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
        ON CONFLICT (hour, agent) DO UPDATE SET total = line_counts.total + excluded.total, mail = line_counts.mail + excluded.mail,
          unknown = line_counts.unknown + excluded.unknown, other = line_counts.other + excluded.other`,
      [agent, hours, cnt.map((x) => x.total), cnt.map((x) => x.mail), cnt.map((x) => x.unknown), cnt.map((x) => x.other)]);
    }
    let samples = this.samples ?? 0;
    const keep = b.unknownSamples.slice(0, Math.max(0, MAX_SAMPLES - samples));
    if (keep.length > 0) {
      await c.query(`INSERT INTO unknown_samples (agent, program, line, seen_at) SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[])`,
        [agent, keep.map((u) => textOk(u.program)), keep.map((u) => textOk(u.line)), keep.map((u) => u.at)]);
      samples += keep.length;
    }
    // In one order on every agent: two agents learning the same domains take their locks alike.
    for (const d of [...b.learnedDomains].sort().map(textOk)) {
      await c.query("INSERT INTO local_domains (domain, source) VALUES ($1, 'learnt') ON CONFLICT DO NOTHING", [d]);
      const r = await c.query<{ received_at: number }>(`UPDATE messages SET backscatter = 0, delay_backscatter = 0
        WHERE sender_domain = $1 AND (backscatter = 1 OR delay_backscatter > 0) RETURNING received_at`, [d]);
      for (const x of r.rows) dirty.push(hourOf(x.received_at));
    }
    await this.writePositions(c, b);
    await c.query(`INSERT INTO ingest_clock (agent, now, last_line_at, last_time) VALUES ($1, $2, $3, $4)
      ON CONFLICT (agent) DO UPDATE SET now = excluded.now, last_line_at = excluded.last_line_at, last_time = excluded.last_time`,
    [agent, b.clock.now, b.clock.lastLineAt, b.clock.lastTime]);
    await markDirty(c, dirty);
    return { ids, samples };
  }

  /** Deletes messages with their recipients, notifications (and lines when `withLines`); their hours. */
  private async deleteMessages(c: Client, ids: number[], withLines: boolean): Promise<number[]> {
    if (withLines) await c.query('DELETE FROM message_lines WHERE message = ANY($1::bigint[])', [ids]);
    await c.query('DELETE FROM recipients WHERE message = ANY($1::bigint[])', [ids]);
    await c.query('DELETE FROM notifications WHERE message = ANY($1::bigint[])', [ids]);
    const r = await c.query<{ received_at: number }>('DELETE FROM messages WHERE id = ANY($1::bigint[]) RETURNING received_at', [ids]);
    return r.rows.map((x) => hourOf(x.received_at));
  }

  /** The spill's rows: those of messages back from it (or gone) removed, the newly spilled added. */
  private async writeSpill(c: Client, unspill: number[], spills: { id: number; host: string; deadline: number; qids: string[]; state: string }[]): Promise<void> {
    const gone = [...new Set([...unspill, ...spills.map((s) => s.id)])];
    if (gone.length > 0) {
      await c.query('DELETE FROM spilled_queue_ids WHERE message = ANY($1::bigint[])', [gone]);
      await c.query('DELETE FROM spilled_messages WHERE message = ANY($1::bigint[])', [gone]);
    }
    if (spills.length === 0) return;
    // The last spill of a message wins, as its rows would be replaced one after the other.
    const byId = new Map(spills.map((s) => [s.id, s]));
    const list = [...byId.values()];
    await c.query(`INSERT INTO spilled_messages (message, agent, deadline, state) SELECT v.m, $1, v.d, v.s
      FROM unnest($2::bigint[], $3::bigint[], $4::text[]) AS v(m, d, s)`,
    [this.agent, list.map((s) => s.id), list.map((s) => s.deadline), list.map((s) => s.state)]);
    // A queue id reused by a newer message (Postfix reuses them) points at the newer one.
    const qids = new Map<string, { host: string; qid: string; id: number }>();
    for (const s of list) for (const q of s.qids) qids.set(`${s.host} ${q}`, { host: s.host, qid: q, id: s.id });
    const rows = [...qids.values()];
    await c.query(`INSERT INTO spilled_queue_ids (agent, host, queue_id, message) SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[])
      ON CONFLICT (agent, host, queue_id) DO UPDATE SET message = excluded.message`,
    [this.agent, rows.map((r) => r.host), rows.map((r) => r.qid), rows.map((r) => r.id)]);
  }

  private async writePositions(c: Client, b: WriteBatch): Promise<void> {
    const agent = this.agent;
    const now = Date.now();
    for (const p of b.positions) {
      if (!p.checkpoint?.absent) {
        if (p.replaces !== undefined && p.replaces !== p.fingerprint) {
          await c.query('DELETE FROM file_positions WHERE agent = $1 AND fingerprint = $2', [agent, p.replaces]);
        }
        await c.query(`INSERT INTO file_positions (agent, fingerprint, fp_len, path, "offset", lines, updated_at, year_state)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
          ON CONFLICT (agent, fingerprint) DO UPDATE SET fp_len = excluded.fp_len, path = excluded.path, "offset" = excluded."offset",
            lines = excluded.lines, updated_at = excluded.updated_at, year_state = excluded.year_state`,
        [agent, p.fingerprint, p.fpLen, p.path, p.offset, p.lines, now, p.yearState ?? null]);
        if (p.ino !== undefined) {
          await c.query('UPDATE file_positions SET dev = $1, ino = $2, birth_ms = $3, size = $4 WHERE agent = $5 AND fingerprint = $6',
            [p.dev ?? null, p.ino, p.birthMs ?? null, p.size ?? null, agent, p.fingerprint]);
        }
      }
      if (p.checkpoint) {
        await c.query(`INSERT INTO follow_checkpoints (agent, path, source, since, looked_at) VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT (agent, path) DO UPDATE SET source = excluded.source, looked_at = excluded.looked_at`,
        [agent, p.checkpoint.path, p.checkpoint.absent ? null : p.fingerprint, p.checkpoint.since, now]);
      }
      for (const g of p.gaps ?? []) {
        await c.query('INSERT INTO follower_gaps (agent, at, path, file, reason, bytes, lines_read, did) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
          [agent, now, g.path, g.file, g.reason, g.bytes, g.linesRead, g.did]);
      }
    }
    for (const j of b.journal ?? []) {
      // A sequence's number only grows: an older entry (a re-import) never moves it back.
      await c.query(`INSERT INTO journal_positions (agent, source, seqnum_id, seqnum, cursor, realtime_us, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (agent, source, seqnum_id) DO UPDATE SET seqnum = excluded.seqnum, cursor = excluded.cursor,
          realtime_us = excluded.realtime_us, updated_at = excluded.updated_at
        WHERE excluded.seqnum > journal_positions.seqnum`,
      [agent, j.source, j.seqnumId, j.seqnum, j.cursor, j.realtimeUs, now]);
    }
  }
}
