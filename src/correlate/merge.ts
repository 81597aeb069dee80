// Recipient bookkeeping across hops: a filter re-injection or a local forward hands a
// recipient on (status 'hop'); the next copy's result replaces it, keeping the first address
// the message was sent to as orig. Also merges a whole trace into another (hop or NDR).
import { findRcpt, type Rcpt, type RcptStatus, type Role, type Track } from './track.ts';

const FINAL: ReadonlySet<RcptStatus> = new Set(['sent', 'bounced', 'expired', 'discarded']);

/** A result for a recipient of the first copy of the message. */
export function applyOriginRcpt(list: Rcpt[], r: Rcpt): void {
  const existing = findRcpt(list, r.address);
  if (!existing) {
    // A redirect (Exim `=> new <orig>`): the result replaces the recipient still waiting
    // under its original address, as a hop's result does.
    const waiting = r.orig ? list.find((x) => (x.status === 'pending' || x.status === 'hop') && x.address.toLowerCase() === r.orig!.toLowerCase()) : undefined;
    if (waiting) Object.assign(waiting, r, { orig: waiting.orig ?? r.orig });
    else list.push(r);
    return;
  }
  // The next copy may have reported before this hop line did: a hand-off never overrides a
  // final result.
  if (r.status === 'hop' && FINAL.has(existing.status)) return;
  Object.assign(existing, r, { orig: existing.orig ?? r.orig });
}

/**
 * An arrival's recipient list (Exim `<=` ... `for a b`): pending until their result, or failed
 * with `cancelled` when a system filter already failed the message. The delivery process may be
 * logged first (syslog orders no lines across processes): its results stay, in the listed order.
 */
export function applyArrivalRcpts(list: Rcpt[], addresses: string[], at: number, cancelled: string | undefined): void {
  const rank = new Map<string, number>();
  addresses.forEach((a, i) => rank.set(a.toLowerCase(), Math.min(i, rank.get(a.toLowerCase()) ?? i)));
  const listed = (r: Rcpt) => rank.get(r.address.toLowerCase()) ?? (r.orig !== undefined ? rank.get(r.orig.toLowerCase()) : undefined);
  const known = new Set(list.map(listed));
  for (const address of addresses) {
    if (known.has(rank.get(address.toLowerCase()))) continue;
    known.add(rank.get(address.toLowerCase()));
    list.push(cancelled === undefined ? { address, status: 'pending', at } : { address, status: 'bounced', reason: cancelled, at });
  }
  const pos = (r: Rcpt) => listed(r) ?? Number.POSITIVE_INFINITY;
  list.sort((x, y) => (pos(x) === pos(y) ? 0 : pos(x) < pos(y) ? -1 : 1));
}

/** A result from a later copy (after a filter or forward) of the message. */
export function applyChildRcpt(list: Rcpt[], r: Rcpt): void {
  const existing = findRcpt(list, r.address);
  if (existing) {
    Object.assign(existing, r, { orig: existing.orig ?? r.orig });
    return;
  }
  const handedOn = r.orig ? list.find((x) => x.status === 'hop' && x.address.toLowerCase() === r.orig!.toLowerCase()) : undefined;
  if (handedOn) {
    Object.assign(handedOn, r, { orig: handedOn.orig ?? r.orig });
    return;
  }
  list.push({ ...r });
}

/** Folds `child` (its own trace so far) into `parent` as a hop, an NDR, or a notice. */
export function mergeTrace(parent: Track, child: Track, role: Role): void {
  const first = child.qids[0]!;
  for (const ref of child.qids) {
    const asRole: Role = ref === first || ref.role === 'origin' ? role : ref.role;
    parent.qids.push({ ...ref, role: asRole });
  }
  if (role === 'hop') {
    for (const r of child.rcpts) applyChildRcpt(parent.rcpts, r);
    parent.ndrs.push(...child.ndrs);
    if (child.expired) parent.expired = true;
  } else if (role === 'ndr' || (role === 'notice' && parent.ndrs.some((n) => n.qid === first.qid))) {
    // An NDR, or a notification listed with the message (delay, success, postmaster copy).
    const failed = child.qids.some((q) => q.role === 'double');
    const ndr = parent.ndrs.find((n) => n.qid === first.qid);
    if (ndr) {
      ndr.rcpts.push(...child.rcpts);
      if (failed) ndr.failed = true;
    } else {
      parent.ndrs.push({ qid: first.qid, rcpts: [...child.rcpts], ...(failed ? { failed } : {}) });
    }
  }
  parent.lines.push(...child.lines);
  child.lines = [];
  parent.firstAt = Math.min(parent.firstAt, child.firstAt);
  parent.lastAt = Math.max(parent.lastAt, child.lastAt);
  if (child.row !== undefined) (parent.absorbed ??= []).push(child.row);
  if (child.absorbed) (parent.absorbed ??= []).push(...child.absorbed);
  child.merged = true;
}
