// From what the correlator drained to what the store writes: each changed message judged into
// its record (the correlator's `recordOf`), its opaque state while open, its raw lines; SMTP-time
// rejects classified. The store gets finished records and writes them as they are; the ids it
// hands back are given to the tracks here, so the store never touches a Track.
import { classify } from '../correlate/causes.ts';
import { delayBackscatter, domainOf, recordOf, type Judge } from '../correlate/record.ts';
import type { Drained } from '../correlate/tracker.ts';
import { isNdr, type Track } from '../correlate/track.ts';
import type { MessageWrite, SavedMessage, WriteBatch } from '../store/types.ts';

/** Correlator state to save: everything but what is written elsewhere (lines) or is the store's (row). */
export function stateOf(t: Track): string {
  return JSON.stringify(t, (k, v) => (k === 'lines' || k === 'row' || k === 'absorbed' || k === 'fromSpill' ? undefined : v));
}

/** A saved open message back as a track. */
export function trackOf(saved: SavedMessage): Track {
  return { ...(JSON.parse(saved.state) as Track), row: saved.id, lines: [] };
}

/** The message write of a track; its lines and absorbed rows move into the write. */
function messageWrite(t: Track, judge: Judge, keepState: boolean, spill?: MessageWrite['spill']): MessageWrite {
  const record = recordOf(t, judge);
  const w: MessageWrite = {
    id: t.row,
    record,
    firstAt: t.firstAt,
    lastAt: t.lastAt,
    senderDomain: record.sender ? domainOf(record.sender) : null,
    ndrCount: t.ndrs.filter(isNdr).length,
    delayBackscatter: delayBackscatter(record, judge),
    // Records keep the track's recipient order, so the relay is found by position.
    relays: record.recipients.map((_, i) => t.rcpts[i]?.relay ?? null),
    state: keepState ? stateOf(t) : null,
    lines: t.lines.length > 0 ? t.lines.join('\n') : null,
    absorbed: t.absorbed ?? [],
    fromSpill: t.fromSpill === true,
    ...(spill ? { spill } : {}),
  };
  t.lines = [];
  t.absorbed = undefined;
  t.fromSpill = undefined;
  return w;
}

/** A batch on its way to the store, with the tracks that get its ids and what it spills. */
export interface Pending {
  batch: WriteBatch;
  /** The tracks of `batch.messages`, in the order the store took them (filled as it iterates). */
  tracks: Track[];
  spilled: { host: string; qids: string[] }[];
}

/**
 * The batch of what the correlator drained. Its messages are judged as the store takes them,
 * one at a time (not all held at once: a batch of thousands of records would only feed the
 * garbage collector), so a write that found the database busy before it began takes them
 * again, as they are then.
 */
export function toBatch(d: Drained, judge: Judge, rest: Pick<WriteBatch, 'counts' | 'unknownSamples' | 'positions' | 'journal'> & { lastTime: number | null }): Pending {
  const todo: { t: Track; keepState: boolean; spill?: { deadline: number; qids: string[] } }[] = [];
  for (const t of d.live) todo.push({ t, keepState: true });
  for (const t of d.done) todo.push({ t, keepState: false });
  const spillOnly: WriteBatch['spillOnly'] = [];
  const spilled: Pending['spilled'] = [];
  for (const { trace: t, deadline, qids, clean } of d.spilled) {
    spilled.push({ host: t.host, qids });
    // Clean: its row is up to date, only its state moves to the spill.
    if (clean && t.row !== undefined) spillOnly.push({ id: t.row, host: t.host, deadline, qids, state: stateOf(t) });
    else todo.push({ t, keepState: false, spill: { deadline, qids } });
  }
  const tracks: Track[] = [];
  const messages: Iterable<MessageWrite> = {
    *[Symbol.iterator]() {
      tracks.length = 0;
      for (const { t, keepState, spill } of todo) {
        tracks.push(t);
        yield messageWrite(t, judge, keepState, spill && { ...spill, state: stateOf(t) });
      }
    },
  };
  return {
    batch: {
      messages,
      spillOnly,
      dropped: d.dropped.filter((t) => t.row !== undefined).map((t) => ({ id: t.row!, fromSpill: t.fromSpill === true })),
      rejects: d.rejects.map((r) => ({ ...r, cause: classify({ status: 'bounced', dsn: r.dsn ?? undefined, reason: r.reason }) })),
      learnedDomains: d.learnedDomains,
      counts: rest.counts,
      unknownSamples: rest.unknownSamples,
      positions: rest.positions,
      journal: rest.journal ?? [],
      clock: { now: d.clock.now, lastLineAt: d.clock.lastLineAt, lastTime: rest.lastTime },
    },
    tracks,
    spilled,
  };
}
