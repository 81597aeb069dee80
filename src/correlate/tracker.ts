// The correlator: state per (host, queue id), one trace per message. Follows filter
// re-injections and forwards, links NDRs to their originals, closes a trace when all its queue
// ids are removed, and keeps memory bounded by evicting closed and stale traces.
import type { LineHead, MailEvent } from '../parse/events.ts';
import { LocalDomains } from './local-domains.ts';
import { applyChildRcpt, applyOriginRcpt, mergeTrace } from './merge.ts';
import { classify } from './causes.ts';
import { findRcpt, isOpen, newTrace, type QueueRef, type Rcpt, type Role, type Trace } from './trace.ts';

export interface TrackerOptions {
  /** A closed trace stays in memory this long (log time) for late lines: hop races, NDR links. */
  graceMs?: number;
  /** An open trace with no line for this long (log time) is written as it is and forgotten. */
  staleMs?: number;
  /** A queue id with only smtpd lines (client went away before queueing) is dropped after this. */
  abandonMs?: number;
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
  live: Trace[];
  /** Traces done (closed or stale): write them for the last time. */
  done: Trace[];
  /** Traces that turned out not to be messages (abandoned): delete their rows. */
  dropped: Trace[];
  rejects: RejectRow[];
  learnedDomains: string[];
}

type Found = { trace: Trace; ref: QueueRef };

const MINUTE = 60_000;

export class Tracker {
  private readonly index = new Map<string, Trace>();
  /** Traces in order of last activity (Map keeps insertion order): oldest first. */
  private readonly activity = new Map<Trace, true>();
  private readonly closing: Trace[] = [];
  private dirty = new Set<Trace>();
  private done: Trace[] = [];
  private dropped: Trace[] = [];
  private rejects: RejectRow[] = [];
  private readonly graceMs: number;
  private readonly staleMs: number;
  private readonly abandonMs: number;
  private lastSweep = 0;
  /** Latest log time seen. */
  now = 0;

  constructor(
    readonly localDomains: LocalDomains = new LocalDomains([]),
    opts: TrackerOptions = {},
  ) {
    this.graceMs = opts.graceMs ?? 10 * MINUTE;
    this.staleMs = opts.staleMs ?? 7 * 24 * 60 * MINUTE;
    this.abandonMs = opts.abandonMs ?? 60 * MINUTE;
  }

  get size(): number {
    return this.activity.size;
  }

  /** Restores traces saved by an earlier run (their state column). */
  restore(traces: Trace[]): void {
    for (const t of traces) {
      for (const q of t.qids) this.index.set(key(t.host, q.qid), t);
      this.activity.set(t, true);
      if (t.closedAt !== undefined) this.closing.push(t);
      this.now = Math.max(this.now, t.lastAt);
    }
  }

  handle(mta: Trace['mta'], head: LineHead, ev: MailEvent, line: string): void {
    if (head.time > this.now) this.now = head.time;
    if (ev.kind === 'reject') return this.onReject(mta, head, ev, line);
    if (ev.kind === 'notification') return this.onNotification(mta, head, ev, line);
    if (ev.kind === 'arrival' && ev.ndrOf !== undefined) {
      // Exim: `<= <> R=ORIG` is the NDR of ORIG.
      const orig = this.get(mta, head, ev.ndrOf, false, undefined);
      this.link(orig.trace, head.host, ev.qid, 'ndr', head.time);
    }
    const { trace, ref } = this.get(mta, head, ev.qid, ev.kind !== 'removed', line);
    const primary = ref.role === 'origin';
    switch (ev.kind) {
      case 'client':
        if (primary && ev.origQid !== undefined && this.isOpenId(head.host, ev.origQid)) {
          // XFORWARD re-injection from a filter: this copy is a hop of the original.
          const parent = this.index.get(key(head.host, ev.origQid))!;
          this.link(parent, head.host, ev.qid, 'hop', head.time);
          this.settle(parent, head.time);
          return;
        }
        if (primary) {
          trace.origin = 'smtp';
          trace.client = ev.client;
          if (ev.helo !== undefined) trace.helo = ev.helo;
          if (ev.saslUser !== undefined) trace.saslUser = ev.saslUser;
        }
        break;
      case 'pickup':
        if (primary) {
          trace.origin = 'local';
          if (ev.sender !== undefined) trace.sender ??= ev.sender;
        }
        break;
      case 'message_id':
        if (primary && trace.messageId === undefined) trace.messageId = ev.messageId;
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
        break;
      case 'expired':
        trace.queued = true;
        if (ref.role === 'ndr') this.ndrOf(trace, ref.qid).failed = true;
        else if (ref.role === 'origin' || ref.role === 'hop') trace.expired = true;
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
        if (ref.role === 'ndr') this.ndrOf(trace, ref.qid).failed = true;
        break;
      case 'probe':
        trace.probe = true;
        break;
      case 'delivery':
        this.onDelivery(trace, ref, ev, head.time, head.host);
        break;
      case 'removed':
        ref.removed = true;
        break;
      case 'arrival':
        this.onArrival(trace, primary, ev);
        break;
    }
    this.settle(trace, head.time);
  }

  private onArrival(trace: Trace, primary: boolean, ev: Extract<MailEvent, { kind: 'arrival' }>): void {
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
      for (const address of ev.recipients) applyOriginRcpt(trace.rcpts, { address, status: 'pending', at: trace.firstAt });
    }
  }

  /** Everything written since the last drain; called once per batch by the writer. */
  drain(): Drained {
    this.sweep(this.now, false);
    // A trace that changed and then finished in this batch is written once, as finished.
    const done = new Set(this.done);
    const live = [...this.dirty].filter((t) => !t.merged && !done.has(t));
    this.dirty = new Set();
    const out: Drained = {
      live, done: done.size < this.done.length ? [...done] : this.done, dropped: this.dropped, rejects: this.rejects, learnedDomains: this.localDomains.takeLearned(),
    };
    this.done = [];
    this.dropped = [];
    this.rejects = [];
    return out;
  }

  /** At the end of a stream that will not continue (tests, one-off reports): close out all. */
  flushAll(): Drained {
    this.sweep(Number.POSITIVE_INFINITY, true);
    return this.drain();
  }

  private get(mta: Trace['mta'], head: LineHead, qid: string, starts: boolean, line: string | undefined): Found {
    const k = key(head.host, qid);
    let trace = this.index.get(k);
    let ref = trace?.qids.find((q) => q.qid === qid);
    // A removed queue id that shows up again is a new message: Postfix reuses ids.
    if (!trace || !ref || (ref.removed && starts)) {
      trace = newTrace(mta, head.host, qid, head.time);
      ref = trace.qids[0]!;
      this.index.set(k, trace);
    }
    ref.seen = true;
    if (line !== undefined) trace.lines.push(line);
    trace.lastAt = Math.max(trace.lastAt, head.time);
    this.touch(trace);
    return { trace, ref };
  }

  private onReject(mta: Trace['mta'], head: LineHead, ev: Extract<MailEvent, { kind: 'reject' }>, line: string): void {
    const refusal = ev.action === 'reject' || ev.action === 'milter-reject' || ev.action === 'discard';
    if (ev.qid !== undefined) {
      const { trace } = this.get(mta, head, ev.qid, false, line);
      if (ev.from !== undefined) trace.sender ??= ev.from;
      if ((ev.action === 'reject' || ev.action === 'milter-reject') && !trace.queued) {
        trace.rejected = { stage: ev.stage, dsn: ev.dsn, reason: ev.reason };
        // Refused after the data: the transaction is over, no qmgr line and no `removed`
        // follow. A RCPT refusal with a queue id leaves the other recipients going on.
        if (ev.stage !== 'RCPT') trace.qids.forEach((q) => (q.removed = true));
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

  private onNotification(mta: Trace['mta'], head: LineHead, ev: Extract<MailEvent, { kind: 'notification' }>, line: string): void {
    const { trace, ref } = this.get(mta, head, ev.qid, false, line);
    const aboutNdr = ref.role === 'ndr' || (ref.role === 'origin' && trace.sender === '');
    let role: Role = 'notice';
    if (ev.type === 'sender_ndr' && !aboutNdr) role = 'ndr';
    else if (ev.type === 'postmaster_ndr' && aboutNdr) {
      role = 'double';
      if (ref.role === 'ndr') this.ndrOf(trace, ref.qid).failed = true;
    }
    this.link(trace, head.host, ev.newQid, role, head.time);
    this.settle(trace, head.time);
  }

  private onDelivery(trace: Trace, ref: QueueRef, ev: Extract<MailEvent, { kind: 'delivery' }>, at: number, host: string): void {
    trace.queued = true;
    const orig = ev.origTo !== undefined && ev.origTo.toLowerCase() !== ev.to.toLowerCase() ? ev.origTo : undefined;
    // A remote server's "queued as" id is not ours, unless our own log has that id open.
    const next = ev.nextQid !== undefined && (ev.hop !== 'remote' || this.isOpenId(host, ev.nextQid)) ? ev.nextQid : undefined;
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
    if (next && (ref.role === 'origin' || ref.role === 'hop')) this.link(trace, host, next, 'hop', at);
  }

  /**
   * Exim ends deferrals with `** addr: retry timeout exceeded`, at once for a quota rule
   * without retry times. When the last deferral said why (mailbox full, too large, ...), that
   * is the cause and the failure is a bounce; a bare timeout stays an expiry.
   */
  private explainRetryTimeout(trace: Trace, r: Rcpt): void {
    const before = findRcpt(trace.rcpts, r.address);
    if (before?.status !== 'deferred' || !before.reason) return;
    const cause = classify({ status: 'bounced', dsn: before.dsn, reason: before.reason });
    if (cause === 'other' || cause === 'expired' || cause === 'relay_rejected') return;
    r.status = 'bounced';
    r.reason = `${before.reason} (Exim gave up retrying)`;
    if (before.dsn !== undefined) r.dsn = before.dsn;
  }

  private isOpenId(host: string, qid: string): boolean {
    const t = this.index.get(key(host, qid));
    const ref = t?.qids.find((q) => q.qid === qid);
    return ref !== undefined && ref.seen && !ref.removed;
  }

  private ndrOf(trace: Trace, qid: string) {
    let ndr = trace.ndrs.find((n) => n.qid === qid);
    if (!ndr) {
      ndr = { qid, rcpts: [] };
      trace.ndrs.push(ndr);
    }
    return ndr;
  }

  /** Makes queue id `qid` part of `trace` in `role`, merging what it already had. */
  private link(trace: Trace, host: string, qid: string, role: Role, at: number): void {
    const k = key(host, qid);
    const other = this.index.get(k);
    if (other === trace) return;
    if (other && !other.qids.find((q) => q.qid === qid)?.removed) {
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

  private touch(t: Trace): void {
    this.activity.delete(t);
    this.activity.set(t, true);
    this.dirty.add(t);
  }

  /** After a change: is the trace now closed, or open again? */
  private settle(t: Trace, at: number): void {
    this.dirty.add(t);
    if (isOpen(t)) {
      t.closedAt = undefined;
    } else if (t.closedAt === undefined) {
      t.closedAt = at;
      this.closing.push(t);
    }
  }

  /** Evicts closed traces past their grace, stale ones, and abandoned ones. */
  private sweep(now: number, all: boolean): void {
    while (this.closing.length > 0) {
      const t = this.closing[0]!;
      if (t.merged || t.closedAt === undefined) {
        this.closing.shift();
        continue;
      }
      if (!all && t.closedAt + this.graceMs > now) break;
      this.closing.shift();
      this.evict(t, false);
    }
    if (!all && now - this.lastSweep < MINUTE) return;
    this.lastSweep = now;
    for (const t of this.activity.keys()) {
      if (!all && t.lastAt + Math.min(this.staleMs, this.abandonMs) > now) break;
      // Never queued: the client went away, or was refused for every recipient.
      const unqueued = !t.queued && !t.probe;
      if (all || t.lastAt + (unqueued ? this.abandonMs : this.staleMs) <= now) this.evict(t, unqueued && !t.rejected);
    }
  }

  private evict(t: Trace, abandoned: boolean): void {
    this.activity.delete(t);
    this.dirty.delete(t);
    for (const q of t.qids) {
      const k = key(t.host, q.qid);
      if (this.index.get(k) === t) this.index.delete(k);
    }
    (abandoned || t.probe ? this.dropped : this.done).push(t);
  }
}

function key(host: string, qid: string): string {
  return `${host} ${qid}`;
}
