// The notifications a message caused (NDRs, delay warnings, success DSNs, postmaster copies):
// which kind an Exim `<= <> R=ORIG` is, and marking one that could not be delivered.
import type { Ndr, QueueRef, Track } from './track.ts';

/** Exim's default warn_message_file subject: "Warning: message 1abc-000001-AB delayed 24 hours". */
const DELAY_SUBJECT = /^Warning: message \S+ delayed\b/i;
/** Exim's default bounce subject. A subject of neither form (a custom template) says nothing. */
const BOUNCE_SUBJECT = /^Mail delivery failed\b/i;

/** Failed recipients so far; a cancellation that names none counts as one. */
function failedCount(t: Track): number {
  const n = t.rcpts.filter((r) => r.status === 'bounced' || r.status === 'expired').length;
  return n === 0 && t.cancelled !== undefined ? 1 : n;
}

/**
 * Exim logs a bounce and a delay warning alike (`<= <> R=ORIG`). The subject tells them apart
 * when logged (+subject) in Exim's default wording. Otherwise the original's state does: a bounce follows failures (`**`,
 * an expiry, a cancellation) that no earlier bounce covered; a warning follows only deferrals
 * (`==`). With neither known (the original's lines are not in the log) it is a bounce, as Exim
 * sends far more of those.
 */
export function typeEximNotice(orig: Track, n: Ndr, subject: string | undefined): void {
  // Typed when first linked: a bounce records what it covered, a warning its type.
  if (n.type !== undefined || n.failedSeen !== undefined) return;
  const failed = failedCount(orig);
  const covered = Math.max(0, ...orig.ndrs.filter((x) => x !== n && x.type === undefined).map((x) => x.failedSeen ?? 0));
  const known = subject !== undefined && (DELAY_SUBJECT.test(subject) || BOUNCE_SUBJECT.test(subject));
  const delay = known
    ? DELAY_SUBJECT.test(subject ?? '')
    : failed <= covered && orig.rcpts.some((r) => r.status === 'deferred');
  if (delay) n.type = 'delay';
  else n.failedSeen = failed;
}

/** A notification that could not be delivered: Exim froze or dropped it, or it expired. */
export function markNoticeFailed(t: Track, ref: QueueRef): void {
  if (ref.role !== 'ndr' && ref.role !== 'notice') return;
  const n = t.ndrs.find((x) => x.qid === ref.qid);
  if (n) n.failed = true;
}
