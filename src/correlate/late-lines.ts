// syslog orders no lines across processes: a queue id's `removed` may come before another
// process's line about it, and a link (`sender non-delivery notification: X`, `forwarded as X`,
// `queued as X`, XFORWARD, Exim `R=`) after X's whole life. These rules tell such a late line from a reused queue id.
import type { QueueRef, Role, Track } from './track.ts';

const second = (t: number): number => Math.floor(t / 1000);
/** A starting line this much older than its id's removal belongs to another, older message. */
const OLDER_HISTORY_MS = 60_000;

/**
 * A removed queue id shows up again with a line that starts a message: a new message (Postfix
 * reuses ids), unless it is still the second the id was removed in. Postfix does not hand out
 * an id twice in one second (a short id is the microsecond and inode of the queue file, a long
 * one counts seconds too), and Exim never reuses one: such a line was only logged late.
 */
export function reusedId(mta: Track['mta'], ref: QueueRef, at: number): boolean {
  if (mta === 'exim') return false;
  if (ref.removedAt === undefined || second(at) > second(ref.removedAt)) return true;
  // Far earlier than the removal: not a late line but older history imported after newer
  // (the same log a year back reuses every id). Syslog's disorder is seconds, not a minute.
  return at < ref.removedAt - OLDER_HISTORY_MS;
}

/**
 * A link from `parent` names a queue id whose trace `child` is closed (still in memory: within
 * its grace). The same message logged late, unless the id was reused since: the copy or NDR is
 * not older than the message it came from, an NDR has the null sender, and a filter or a local
 * forward keeps the envelope sender. (Exim ids are never reused.)
 */
export function lateChild(parent: Track, child: Track, role: Role): boolean {
  if (second(child.firstAt) < second(parent.firstAt)) return false;
  if (parent.mta === 'exim') return true;
  if (role === 'ndr') return child.sender === undefined || child.sender === '';
  // Postfix sends a double bounce from double_bounce_sender (default `double-bounce`).
  if (role === 'double') return child.sender === undefined || child.sender === '' || child.sender.toLowerCase().startsWith('double-bounce@');
  if (role === 'hop') return child.sender === undefined || parent.sender === undefined || child.sender === parent.sender;
  return true;
}
