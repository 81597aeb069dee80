// The correlator: state per (host, queue id), one trace per message. Follows filter
// re-injections and forwards, links NDRs to their originals, closes a trace when all its queue
// ids are removed, and keeps memory bounded by evicting closed and stale traces.
import type { LineHead, MailEvent } from '../parse/events.ts';
import { LocalDomains } from './local-domains.ts';
import { applyArrivalRcpts, applyChildRcpt, applyOriginRcpt, mergeTrace } from './merge.ts';
import { classify } from './causes.ts';
import { Deadlines } from './deadlines.ts';
import { lateChild, reusedId } from './late-lines.ts';
import { markNoticeFailed, typeEximNotice } from './notifications.ts';
import { PipeFilterPairs } from './pipe-filter.ts';
import { originalClient } from './proxy-filter.ts';
import { isNamedCopy, replyQueueIds, ReplyIdHops } from './reply-ids.ts';
import { findRcpt, isOpen, newTrack, type QueueRef, type Rcpt, type Role, type Track } from './track.ts';

export interface TrackerOptions {
  /** A closed trace stays in memory this long (log time) for late lines: hop races, NDR links. */
  graceMs?: number;
  /** An open trace with no line for this long (log time) is written as it is and forgotten. */
  staleMs?: number;
  /** A queue id with only smtpd lines (client went away before queueing) is dropped after this. */
  abandonMs?: number;
  /**
   * Open messages kept in memory at most: past it, the least recently active is written out
   * with its state (spilled) and read back when one of its queue ids shows up again. A stuck
   * queue or a flood then costs disk, not memory.
   */
  maxOpen?: number;
  /** Where spilled traces are kept; without one, nothing is spilled. */
  spill?: SpillStore;
}

/** Traces written out of memory (spilled), kept by the store. */
export interface SpillStore {
  /** How many are kept. */
  readonly size: number;
  /** The kept trace that holds (host, qid), handed back (no longer counted as kept). */
  take(host: string, qid: string): Track | undefined;
  /** Kept traces whose deadline is at or before `now`, handed back. */
  due(now: number): Track[];
}

export interface RejectRow {
  time: number;
  host: string;
  mta: 'postfix' | 'exim';
  qid: string | null;
  action: string;
  stage: string;
  by: string;
  clientIp: string | null;
  clientName: string | null;
  helo: string | null;
  sender: string | null;
  recipient: string | null;
  code: string | null;
  dsn: string | null;
  reason: string;
  line: string;
}

export interface Drained {
  /** Traces still in memory that changed: write them with their state. */
  live: Track[];
  /** Traces done (closed or stale): write them for the last time. */
  done: Track[];
  /** Traces that turned out not to be messages (abandoned): delete their rows. */
  dropped: Track[];
  /** Open traces moved out of memory: write them with their state, to be found by queue id and deadline. */
  spilled: { trace: Track; deadline: number; qids: string[]; clean: boolean }[];
  rejects: RejectRow[];
  learnedDomains: string[];
  /** The correlator's clock, saved with the batch so a later run goes on with the same one. */
  clock: Clock;
}

/** Log time as the correlator trusts it: `now` moves only to a time that two lines in a row reached. */
export interface Clock {
  now: number;
  lastLineAt: number;
}

type Found = { trace: Track; ref: QueueRef };

const MINUTE = 60_000;

/**
 * Messages kept in memory at most (open ones, and closed ones in their grace). A real server
 * has a few hundred open at once; past this, a stuck queue or a flood costs disk, not memory.
 * Measured (npm run bench:open, 200k never-removed messages): 50,000 in memory peaked at
 * 505 MB, 20,000 at 372 MB, 5,000 at 277 MB, and imported fastest.
 */
export const MAX_OPEN_DEFAULT = 5_000;

export class Tracker {
  private readonly index = new Map<string, Track>();
  /** Every trace in memory, least recently active first (Map keeps insertion order): whom to spill. */
  private readonly activity = new Map<Track, true>();
  /** Closed traces by the end of their grace. */
  private readonly closing = new Deadlines<Track>();
  /** Every trace by the time it goes stale (or is abandoned); a deadline only moves later, so an entry is re-filed when it comes up early. */
  private readonly idle = new Deadlines<Track>();
  private dirty = new Set<Track>();
  private done: Track[] = [];
  private dropped: Track[] = [];
  private rejects: RejectRow[] = [];
  private readonly graceMs: number;
  private readonly staleMs: number;
  private readonly abandonMs: number;
  private readonly maxOpen: number;
  private readonly spill: SpillStore | undefined;
  /** FILTER_README's simple content filter: pipe hand-offs and pickup copies waiting for their pair. */
  private readonly pipeFilter = new PipeFilterPairs();
  /** Filters that answer in their own words: deliveries waiting for the queue id their reply named. */
  private readonly replyIds = new ReplyIdHops();
  /** Spilled since the last drain, not written yet: found here by queue id. */
  private readonly pendingSpill = new Map<string, Track>();
  /** Spilled since the last drain and not taken back: written at the next commit (true: its row is up to date). */
  private readonly spilling = new Map<Track, boolean>();
  /**
   * Latest log time that two lines in a row reached: one line dated far ahead of its
   * neighbours (a clock jump, a corrupt date) cannot evict every open message as stale.
   */
  now = 0;
  private lastLineAt = 0;

  constructor(
    readonly localDomains: LocalDomains = new LocalDomains([]),
    opts: TrackerOptions = {},
  ) {
    this.graceMs = opts.graceMs ?? 10 * MINUTE;
    this.staleMs = opts.staleMs ?? 7 * 24 * 60 * MINUTE;
    this.abandonMs = opts.abandonMs ?? 60 * MINUTE;
    // Without a store to spill to, nothing is spilled: the bound needs somewhere to put the rest.
    this.maxOpen = opts.spill ? (opts.maxOpen ?? MAX_OPEN_DEFAULT) : Number.POSITIVE_INFINITY;
    this.spill = opts.spill;
  }

  get size(): number {
    return this.activity.size;
  }

  /** Restores traces saved by an earlier run (their state column), and its clock. */
  restore(traces: Track[], clock?: Clock): void {
    for (const t of traces) {
      for (const q of t.qids) this.index.set(key(t.host, q.qid), t);
      this.activity.set(t, true);
      this.idle.push(this.deadline(t), t);
      if (t.closedAt !== undefined) this.closing.push(t.closedAt + this.graceMs, t);
      // The pipe filter's waiting lists are not saved: a restored trace waits again.
      this.pairPipeFilter(t, t.qids[0]!.qid, t.lastAt);
      // A database from before the clock was saved: the newest trace is the best guess.
      if (!clock) this.now = this.lastLineAt = Math.max(this.now, t.lastAt);
    }
    if (clock) ({ now: this.now, lastLineAt: this.lastLineAt } = clock);
    // A database from before spilling, or a lower limit than last time.
    while (this.activity.size > this.maxOpen) this.spillOne();
  }

  handle(mta: Track['mta'], head: LineHead, ev: MailEvent, line: string): void {
    const confirmed = head.time < this.lastLineAt ? head.time : this.lastLineAt;
    this.lastLineAt = head.time;
    // Evictions happen as log time passes, line by line, never at a batch's end: where a
    // batch or an import ends must not change which messages a late line still finds.
    if (confirmed > this.now) {
      this.now = confirmed;
      this.sweep(confirmed, false);
    }
    if (ev.kind === 'reject') return this.onReject(mta, head, ev, line);
    if (ev.kind === 'notification') return this.onNotification(mta, head, ev, line);
    if (ev.kind === 'arrival' && ev.ndrOf !== undefined) {
      // Exim: `<= <> R=ORIG` is a notification about ORIG: an NDR or a delay warning.
      const orig = this.get(mta, head, ev.ndrOf, false, undefined);
      this.link(orig.trace, head.host, ev.qid, 'ndr', head.time);
      typeEximNotice(orig.trace, this.ndrOf(orig.trace, ev.qid), ev.subject);
    }
    const { trace, ref } = this.get(mta, head, ev.qid, ev.kind !== 'removed', line);
    const primary = ref.role === 'origin';
    switch (ev.kind) {
      case 'client':
        if (primary && ev.origQid !== undefined && this.isLinkableId(head.host, ev.origQid, (parent) => lateChild(parent, trace, 'hop'))) {
          // XFORWARD re-injection from a filter: this copy is a hop of the original.
          const parent = this.lookup(head.host, ev.origQid)!;
          this.link(parent, head.host, ev.qid, 'hop', head.time);
          this.settle(parent, head.time);
          return;
        }
        if (primary) {
          trace.origin = 'smtp';
          trace.client = originalClient(ev);
          if (ev.helo !== undefined) trace.helo = ev.helo;
          if (ev.saslUser !== undefined) trace.saslUser = ev.saslUser;
        }
        break;
      case 'pickup':
        if (primary) {
          trace.origin = 'local';
          if (ev.sender !== undefined) trace.sender ??= ev.sender;
          if (this.pairPipeFilter(trace, ev.qid, head.time)) return;
        }
        break;
      case 'message_id':
        if (primary && trace.messageId === undefined) trace.messageId = ev.messageId;
        if (primary && this.pairPipeFilter(trace, ev.qid, head.time)) return;
        break;
      case 'envelope':
        trace.queued = true;
        // Refused for some recipients at RCPT time, but queued for others: not a rejected message.
        if (trace.rejected?.stage === 'RCPT') trace.rejected = undefined;
        // qmgr's sender is the canonical one (pickup logs the bare login name); a hop's copy
        // tells it when the first copy's lines are before the log.
        if (primary) trace.sender = ev.sender;
        else if (ref.role === 'hop') trace.sender ??= ev.sender;
        if (primary && ev.nrcpt !== undefined) trace.nrcpt = ev.nrcpt;
        if (primary && this.pairPipeFilter(trace, ev.qid, head.time)) return;
        break;
      case 'expired':
        trace.queued = true;
        if (ref.role === 'origin' || ref.role === 'hop') trace.expired = true;
        else markNoticeFailed(trace, ref);
        break;
      case 'cancelled':
        // Exim system filter `fail`: every recipient not yet delivered fails for content.
        trace.queued = true;
        trace.cancelled = ev.reason;
        trace.rcpts.forEach((r) => {
          if (r.status === 'pending' || r.status === 'deferred') Object.assign(r, { status: 'bounced', reason: ev.reason });
        });
        break;
      case 'frozen':
        markNoticeFailed(trace, ref);
        break;
      case 'probe':
        trace.probe = true;
        break;
      case 'delivery':
        this.onDelivery(trace, ref, ev, head.time, head.host);
        if (ev.agent === 'pipe' && ev.status === 'sent' && (primary || ref.role === 'hop')) this.pairPipeFilter(trace, ev.qid, head.time);
        break;
      case 'removed':
        ref.removed = true;
        ref.removedAt = head.time;
        break;
      case 'arrival':
        this.onArrival(trace, primary, ev);
        break;
    }
    if (primary && this.replyIds.size > 0 && this.adoptNamedCopy(trace, ev.qid, head)) return;
    this.settle(trace, head.time);
  }

  private onArrival(trace: Track, primary: boolean, ev: Extract<MailEvent, { kind: 'arrival' }>): void {
    trace.queued = true;
    if (!primary) return;
    trace.sender = ev.sender;
    if (ev.messageId !== undefined) trace.messageId ??= ev.messageId;
    if (ev.client && ev.proto !== 'local') {
      trace.origin = 'smtp';
      trace.client = ev.client;
      if (ev.helo !== undefined) trace.helo = ev.helo;
    } else if (ev.proto === 'local' || ev.localUser !== undefined) {
      trace.origin = 'local';
    }
    if (ev.authUser !== undefined) trace.saslUser = ev.authUser;
    if (ev.recipients) {
      trace.nrcpt = ev.recipients.length;
      applyArrivalRcpts(trace.rcpts, ev.recipients, trace.firstAt, trace.cancelled);
    }
  }

  /** Everything written since the last drain; called once per batch by the writer. */
  drain(): Drained {
    // Spilled traces whose time ran out while on disk: finished (or dropped) as in memory.
    for (const t of this.spill?.due(this.now) ?? []) this.finish(this.fromStore(t));
    const spilled: Drained['spilled'] = [];
    for (const [trace, clean] of this.spilling) {
      const qids = trace.qids.map((q) => q.qid).filter((q) => this.pendingSpill.get(key(trace.host, q)) === trace);
      const deadline = this.spillDeadline(trace);
      // Its time ran out since it was spilled: finished now, as the sweep would have in memory.
      if (deadline <= this.now) this.finish(trace);
      else spilled.push({ trace, deadline, qids, clean });
    }
    this.spilling.clear();
    this.pendingSpill.clear();
    // A trace that changed and then finished in this batch is written once, as finished.
    const done = new Set(this.done);
    const live = [...this.dirty].filter((t) => !t.merged && !done.has(t));
    this.dirty = new Set();
    const out: Drained = {
      live, done: done.size < this.done.length ? [...done] : this.done, dropped: this.dropped, rejects: this.rejects, learnedDomains: this.localDomains.takeLearned(),
      clock: { now: this.now, lastLineAt: this.lastLineAt }, spilled,
    };
    this.done = [];
    this.dropped = [];
    this.rejects = [];
    return out;
  }

  /** At the end of a stream that will not continue (tests, one-off reports): close out all. */
  flushAll(): Drained {
    this.sweep(Number.POSITIVE_INFINITY, true);
    for (const t of [...this.spilling.keys()]) this.finish(t);
    this.pendingSpill.clear();
    for (const t of this.spill?.due(Number.POSITIVE_INFINITY) ?? []) this.finish(this.fromStore(t));
    return this.drain();
  }

  /**
   * The trace holding (host, qid): in memory, or brought back from the spill. One whose time
   * ran out while spilled is finished as it would have been in memory, and not returned.
   */
  private lookup(host: string, qid: string): Track | undefined {
    const k = key(host, qid);
    const t = this.index.get(k);
    if (t || (this.pendingSpill.size === 0 && (this.spill?.size ?? 0) === 0)) return t;
    const pending = this.pendingSpill.get(k);
    if (pending) {
      for (const q of pending.qids) if (this.pendingSpill.get(key(host, q.qid)) === pending) this.pendingSpill.delete(key(host, q.qid));
      this.spilling.delete(pending);
    }
    const back = pending ?? this.spill?.take(host, qid);
    if (!back) return undefined;
    const trace = pending ? back : this.fromStore(back);
    if (this.spillDeadline(trace) <= this.now) {
      this.finish(trace);
      return undefined;
    }
    for (const q of trace.qids) this.index.set(key(host, q.qid), trace);
    this.activity.set(trace, true);
    this.idle.push(this.deadline(trace), trace);
    if (trace.closedAt !== undefined) this.closing.push(trace.closedAt + this.graceMs, trace);
    // Written again at the next commit: its spill rows go then.
    this.dirty.add(trace);
    while (this.activity.size > this.maxOpen) this.spillOne();
    return this.index.get(k);
  }

  /** A trace read back from the store: its spill rows are deleted when it is next written. */
  private fromStore(t: Track): Track {
    t.fromSpill = true;
    return t;
  }

  /**
   * The deadline heaps keep an entry for every trace that left memory until it comes up: with
   * traces spilled that would be forever, holding them all. Drop such entries once they are
   * more than the traces in memory.
   */
  private compact(): void {
    const live = this.activity.size;
    if (this.idle.size > 2 * live + 1024) this.idle.retain((t) => this.activity.has(t));
    if (this.closing.size > 2 * live + 1024) this.closing.retain((t, at) => this.activity.has(t) && t.closedAt !== undefined && t.closedAt + this.graceMs === at);
  }

  /** A spilled trace whose time ran out: as the sweep would have evicted it in memory. */
  private finish(t: Track): void {
    // Never queued (the client went away) and still open: not a message.
    this.evict(t, t.closedAt === undefined && !t.queued && !t.probe && !t.rejected);
  }

  /** When a spilled trace is due: the end of its grace once closed, else its idle deadline. */
  private spillDeadline(t: Track): number {
    return t.closedAt !== undefined ? t.closedAt + this.graceMs : this.deadline(t);
  }

  /** Moves the least recently active trace out of memory (written at the next commit). */
  private spillOne(): void {
    for (const t of this.activity.keys()) {
      this.activity.delete(t);
      // Unchanged since it was last written (and written at all): its row needs no rewrite.
      const clean = !this.dirty.delete(t) && t.row !== undefined && t.lines.length === 0 && t.absorbed === undefined;
      // Only the queue ids that still lead to it: a reused id may belong to a newer message.
      for (const q of t.qids) {
        const k = key(t.host, q.qid);
        if (this.index.get(k) !== t) continue;
        this.index.delete(k);
        this.pendingSpill.set(k, t);
      }
      this.spilling.set(t, clean);
      this.compact();
      return;
    }
  }

  private get(mta: Track['mta'], head: LineHead, qid: string, starts: boolean, line: string | undefined): Found {
    const k = key(head.host, qid);
    let trace = this.lookup(head.host, qid);
    let ref = trace?.qids.find((q) => q.qid === qid);
    // A removed queue id that shows up again is a new message: Postfix reuses ids (not in the
    // second of its `removed`: another process's line logged late).
    if (!trace || !ref || (ref.removed && starts && reusedId(mta, ref, head.time))) {
      trace = newTrack(mta, head.host, qid, head.time);
      ref = trace.qids[0]!;
      this.index.set(k, trace);
      this.activity.set(trace, true);
      this.idle.push(this.deadline(trace), trace);
      if (this.activity.size > this.maxOpen) this.spillOne();
    }
    ref.seen = true;
    if (line !== undefined) trace.lines.push(line);
    // Its first line may be logged after others of the same second.
    trace.firstAt = Math.min(trace.firstAt, head.time);
    trace.lastAt = Math.max(trace.lastAt, head.time);
    this.touch(trace);
    return { trace, ref };
  }

  private onReject(mta: Track['mta'], head: LineHead, ev: Extract<MailEvent, { kind: 'reject' }>, line: string): void {
    const refusal = ev.action === 'reject' || ev.action === 'milter-reject' || ev.action === 'discard';
    if (ev.qid !== undefined) {
      const { trace } = this.get(mta, head, ev.qid, false, line);
      if (ev.from !== undefined) trace.sender ??= ev.from;
      if ((ev.action === 'reject' || ev.action === 'milter-reject') && !trace.queued) {
        trace.rejected = { stage: ev.stage, dsn: ev.dsn, reason: ev.reason };
        // Refused after the data: the transaction is over, no qmgr line and no `removed`
        // follow. A RCPT refusal with a queue id leaves the other recipients going on.
        if (ev.stage !== 'RCPT') trace.qids.forEach((q) => Object.assign(q, { removed: true, removedAt: head.time }));
      } else if (ev.action === 'discard') {
        trace.discarded = true;
      }
      this.settle(trace, head.time);
    }
    if (!refusal) return;
    this.rejects.push({
      time: head.time, host: head.host, mta, qid: ev.qid ?? null, action: ev.action, stage: ev.stage, by: ev.by,
      clientIp: ev.client?.ip ?? null, clientName: ev.client?.name ?? null, helo: ev.helo ?? null,
      sender: ev.from ?? null, recipient: ev.to ?? null, code: ev.code ?? null, dsn: ev.dsn ?? null,
      reason: ev.reason, line,
    });
  }

  private onNotification(mta: Track['mta'], head: LineHead, ev: Extract<MailEvent, { kind: 'notification' }>, line: string): void {
    const { trace, ref } = this.get(mta, head, ev.qid, false, line);
    const aboutNdr = ref.role === 'ndr' || (ref.role === 'origin' && trace.sender === '');
    let role: Role = 'notice';
    if (ev.type === 'sender_ndr' && !aboutNdr) role = 'ndr';
    else if (ev.type === 'postmaster_ndr' && aboutNdr) {
      role = 'double';
      if (ref.role === 'ndr') this.ndrOf(trace, ref.qid).failed = true;
    } else if (!aboutNdr && (ref.role === 'origin' || ref.role === 'hop')) {
      // Delay and success notifications, and postmaster's copy of an NDR: listed with the
      // message (their fate too), though they do not hold it open as an NDR does.
      this.ndrOf(trace, ev.newQid).type = ev.type === 'delay' ? 'delay' : ev.type === 'success' ? 'success' : 'postmaster_copy';
    }
    this.link(trace, head.host, ev.newQid, role, head.time);
    this.settle(trace, head.time);
  }

  private onDelivery(trace: Track, ref: QueueRef, ev: Extract<MailEvent, { kind: 'delivery' }>, at: number, host: string): void {
    trace.queued = true;
    const orig = ev.origTo !== undefined && ev.origTo.toLowerCase() !== ev.to.toLowerCase() ? ev.origTo : undefined;
    // A remote server's "queued as" id is not ours, unless our own log has that id open.
    const next = ev.nextQid === undefined
      ? this.namedCopy(trace, ref, ev, at)
      : ev.hop !== 'remote' || this.isLinkableId(host, ev.nextQid, (copy) => lateChild(trace, copy, 'hop')) ? ev.nextQid : undefined;
    const r: Rcpt = {
      address: ev.to, status: next ? 'hop' : ev.status, reason: ev.reason, agent: ev.agent, at,
      ...(orig !== undefined ? { orig } : {}), ...(ev.dsn !== undefined ? { dsn: ev.dsn } : {}),
      ...(ev.relay !== undefined ? { relay: ev.relay } : {}),
    };
    if (ev.status === 'sent') this.localDomains.noteDelivery(ev.agent, ev.relay, orig ?? ev.to);
    if (ev.status === 'expired' && trace.mta === 'exim') this.explainRetryTimeout(trace, r);
    if (ref.role === 'origin') applyOriginRcpt(trace.rcpts, r);
    else if (ref.role === 'hop') applyChildRcpt(trace.rcpts, r);
    else if (ref.role === 'ndr') applyChildRcpt(this.ndrOf(trace, ref.qid).rcpts, r);
    else if (ref.role === 'notice') {
      const notice = trace.ndrs.find((n) => n.qid === ref.qid);
      if (notice) applyChildRcpt(notice.rcpts, r);
    }
    if (next && (ref.role === 'origin' || ref.role === 'hop')) this.link(trace, host, next, 'hop', at);
  }

  /**
   * Exim ends deferrals with `** addr: retry timeout exceeded`, at once for a quota rule
   * without retry times. When the last deferral said why (mailbox full, too large, ...), that
   * is the cause and the failure is a bounce; a bare timeout stays an expiry.
   */
  private explainRetryTimeout(trace: Track, r: Rcpt): void {
    const before = findRcpt(trace.rcpts, r.address);
    if (before?.status !== 'deferred' || !before.reason) return;
    const cause = classify({ status: 'bounced', dsn: before.dsn, reason: before.reason });
    if (cause === 'other' || cause === 'expired' || cause === 'relay_rejected') return;
    r.status = 'bounced';
    r.reason = `${before.reason} (Exim gave up retrying)`;
    if (before.dsn !== undefined) r.dsn = before.dsn;
  }

  /**
   * FILTER_README's simple content filter: pairs a message handed to a pipe transport with the
   * pickup copy its script re-injected. Tried whenever a line completes either side (Message-ID,
   * sender, pickup, the pipe's `sent`): lines of different processes come in any order.
   * True when `trace` (the copy) was merged away.
   */
  private pairPipeFilter(trace: Track, qid: string, at: number): boolean {
    if (trace.merged || trace.messageId === undefined || trace.sender === undefined) return false;
    if (trace.rcpts.some((r) => r.agent === 'pipe' && r.status === 'sent')) {
      const copyQid = this.pipeFilter.handedOff(trace.host, trace.messageId, trace.sender, qid, at);
      const copy = copyQid === undefined ? undefined : this.lookup(trace.host, copyQid);
      if (copy && copy !== trace && !copy.merged && copy.origin === 'local') this.pipeFilterHop(trace, copy, at);
      return false;
    }
    if (trace.origin !== 'local') return false;
    const parentQid = this.pipeFilter.pickedUp(trace.host, trace.messageId, trace.sender, qid, at);
    const parent = parentQid === undefined ? undefined : this.lookup(trace.host, parentQid);
    if (!parent || parent === trace || parent.merged) return false;
    this.pipeFilterHop(parent, trace, at);
    return true;
  }

  /**
   * The filter's hand-off is not the recipients' fate: the pickup copy's result is (a hop).
   * Merged whole even when the copy is already removed: the script's sendmail returns before
   * pipe logs `sent`, so the copy's whole life may come first. The pair was matched by
   * Message-ID and sender, not by a queue id, so no reused id can be mistaken for it.
   */
  private pipeFilterHop(parent: Track, copy: Track, at: number): void {
    for (const r of parent.rcpts) if (r.agent === 'pipe' && r.status === 'sent') r.status = 'hop';
    mergeTrace(parent, copy, 'hop');
    for (const q of copy.qids) this.index.set(key(parent.host, q.qid), parent);
    this.activity.delete(copy);
    this.dirty.delete(copy);
    parent.lastAt = Math.max(parent.lastAt, at);
    this.settle(parent, at);
  }

  /**
   * A filter reached over smtp/lmtp answered in its own words, naming the re-injected copy's
   * queue id (reply-ids.ts): that id, when it is a new queue file of this host (or already this
   * message's hop, by XFORWARD). Ids whose sender is not known yet wait for it.
   */
  private namedCopy(trace: Track, ref: QueueRef, ev: Extract<MailEvent, { kind: 'delivery' }>, at: number): string | undefined {
    if (ev.status !== 'sent' || trace.mta !== 'postfix' || (ev.agent !== 'smtp' && ev.agent !== 'lmtp') || (ref.role !== 'origin' && ref.role !== 'hop')) return undefined;
    const unseen: string[] = [];
    for (const qid of replyQueueIds(ev.reason)) {
      const copy = this.lookup(trace.host, qid);
      if (copy === trace) {
        if (trace.qids.some((q) => q.qid === qid && q.role === 'hop')) return qid;
      } else if (!copy || copy.sender === undefined) {
        // Not logged yet, or its sender not known yet (qmgr's line may come later): judged then.
        unseen.push(qid);
      } else if (isNamedCopy(trace, copy, qid, at)) {
        return qid;
      }
    }
    if (unseen.length > 0) this.replyIds.expect(trace.host, unseen, { parentQid: ref.qid, relay: ev.relay, at, linked: false });
    return undefined;
  }

  /**
   * A queue id a filter's reply named before its first line was logged: once its sender is
   * known (qmgr), a hop of the message that named it. True when `copy` was merged away.
   */
  private adoptNamedCopy(copy: Track, qid: string, head: LineHead): boolean {
    const named = copy.sender === undefined ? undefined : this.replyIds.waitingFor(head.host, qid, head.time);
    const parent = named && this.lookup(head.host, named.parentQid);
    if (!named || !parent || parent === copy || parent.merged) return false;
    const ok = isNamedCopy(parent, copy, qid, named.at);
    this.replyIds.settled(head.host, qid, ok);
    if (!ok) return false;
    // The hand-off to the filter is not the recipients' fate: the copy's results are.
    for (const r of parent.rcpts) if (r.status === 'sent' && r.at === named.at && r.relay === named.relay) r.status = 'hop';
    this.link(parent, head.host, qid, 'hop', head.time);
    this.settle(parent, head.time);
    return true;
  }

  /** Open, or removed but still in memory (its grace) and `late` says the line naming it was logged late. */
  private isLinkableId(host: string, qid: string, late: (t: Track) => boolean): boolean {
    const t = this.lookup(host, qid);
    const ref = t?.qids.find((q) => q.qid === qid);
    return ref !== undefined && ref.seen && (!ref.removed || late(t!));
  }

  private ndrOf(trace: Track, qid: string) {
    let ndr = trace.ndrs.find((n) => n.qid === qid);
    if (!ndr) {
      ndr = { qid, rcpts: [] };
      trace.ndrs.push(ndr);
    }
    return ndr;
  }

  /** Makes queue id `qid` part of `trace` in `role`, merging what it already had. */
  private link(trace: Track, host: string, qid: string, role: Role, at: number): void {
    const k = key(host, qid);
    const other = this.lookup(host, qid);
    if (other === trace) return;
    // Already removed: a late link (its whole life was logged first) while it is in memory, or a reused id.
    if (other && (!other.qids.find((q) => q.qid === qid)?.removed || lateChild(trace, other, role))) {
      mergeTrace(trace, other, role);
      for (const q of other.qids) this.index.set(key(host, q.qid), trace);
      this.activity.delete(other);
      this.dirty.delete(other);
    } else {
      trace.qids.push({ qid, role, removed: false, seen: false });
      this.index.set(k, trace);
      if (role === 'ndr') this.ndrOf(trace, qid);
    }
    trace.lastAt = Math.max(trace.lastAt, at);
  }

  private touch(t: Track): void {
    this.activity.delete(t);
    this.activity.set(t, true);
    this.dirty.add(t);
  }

  /** After a change: is the trace now closed, or open again? */
  private settle(t: Track, at: number): void {
    this.dirty.add(t);
    // Postfix logs no recipient list, and syslog interleaves two delivery processes' lines in
    // any order within a second: listed by address, the recipients read the same either way.
    if (t.mta === 'postfix') t.rcpts.sort(byAddress);
    if (isOpen(t)) {
      t.closedAt = undefined;
    } else if (t.closedAt === undefined) {
      t.closedAt = at;
      this.closing.push(at + this.graceMs, t);
    }
  }

  /** When a trace with no further line is written as it is and forgotten (or dropped, never queued). */
  private deadline(t: Track): number {
    return t.lastAt + (!t.queued && !t.probe ? this.abandonMs : this.staleMs);
  }

  /** Evicts closed traces past their grace, stale ones, and abandoned ones (all of them at the end). */
  private sweep(now: number, all: boolean): void {
    for (let top = this.closing.peek(); top && (all || top.at <= now); top = this.closing.peek()) {
      this.closing.pop();
      const t = top.value;
      // Stale entries: merged away, opened again, closed again later, or already gone.
      if (t.merged || t.closedAt === undefined || t.closedAt + this.graceMs !== top.at || !this.activity.has(t)) continue;
      this.evict(t, false);
    }
    for (let top = this.idle.peek(); top && (all || top.at <= now); top = this.idle.peek()) {
      this.idle.pop();
      const t = top.value;
      if (t.merged || !this.activity.has(t)) continue;
      const due = this.deadline(t);
      if (!all && due > now) {
        this.idle.push(due, t);
        continue;
      }
      // Never queued: the client went away, or was refused for every recipient.
      const unqueued = !t.queued && !t.probe;
      this.evict(t, unqueued && !t.rejected);
    }
  }

  private evict(t: Track, abandoned: boolean): void {
    this.activity.delete(t);
    this.spilling.delete(t);
    this.dirty.delete(t);
    for (const q of t.qids) {
      const k = key(t.host, q.qid);
      if (this.index.get(k) === t) this.index.delete(k);
    }
    (abandoned || t.probe ? this.dropped : this.done).push(t);
  }
}

function byAddress(a: Rcpt, b: Rcpt): number {
  const x = a.address.toLowerCase();
  const y = b.address.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function key(host: string, qid: string): string {
  return `${host} ${qid}`;
}
