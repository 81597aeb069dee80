// One systemd journal entry (`journalctl --output=json`) as the line the parser reads: an RFC 3339
// syslog line built from the entry's own fields, so the time is __REALTIME_TIMESTAMP (no year
// to guess) and the host _HOSTNAME; and the entry's position (its cursor's sequence and number).
// Only mail entries are taken: a SYSLOG_IDENTIFIER of Postfix or Exim (any syslog_name such as
// postfix-mx/smtpd), or an entry of one of their units.
import type { JournalPosition } from '../store/types.ts';

export interface JournalMatch {
  /** SYSLOG_IDENTIFIER equal to one of these, or starting with it and "/" or "-". */
  identifiers: readonly string[];
  /** _SYSTEMD_UNIT values whose entries are taken whatever their identifier. */
  units: readonly string[];
}

export interface JournalEntry {
  line: string;
  /** The entry's position, without the reader's `source` (the caller names it). */
  at: Omit<JournalPosition, 'source'>;
}

/** `s=<sequence id>;i=<hex number>;...` into the sequence and the number; undefined if it is no cursor. */
export function parseCursor(cursor: string): { seqnumId: string; seqnum: number } | undefined {
  const s = /(?:^|;)s=([0-9a-f]+)(?:;|$)/.exec(cursor)?.[1];
  const i = /(?:^|;)i=([0-9a-f]+)(?:;|$)/.exec(cursor)?.[1];
  if (s === undefined || i === undefined) return undefined;
  return { seqnumId: s, seqnum: parseInt(i, 16) };
}

/** A field's text: journalctl gives a string, or an array of bytes when the value is not valid UTF-8. */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((b) => typeof b === 'number')) return Buffer.from(v as number[]).toString('utf8');
  return undefined;
}

export function isMailEntry(identifier: string | undefined, unit: string | undefined, m: JournalMatch): boolean {
  if (unit !== undefined && m.units.includes(unit)) return true;
  if (identifier === undefined) return false;
  return m.identifiers.some((p) => identifier === p || identifier.startsWith(`${p}/`) || identifier.startsWith(`${p}-`));
}

/** `2026-12-03T15:45:36.218339+00:00` from microseconds since the epoch. */
export function rfc3339Micros(us: bigint): string {
  const ms = Number(us / 1000n);
  const micros = String(us % 1_000_000n).padStart(6, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${micros}+00:00`;
}

/**
 * The entry as a line, or undefined when it is not mail (or has no message, time or cursor).
 * A message's own line breaks become spaces: one entry is one line.
 */
export function entryOf(e: Record<string, unknown>, m: JournalMatch): JournalEntry | undefined {
  const identifier = text(e.SYSLOG_IDENTIFIER);
  if (!isMailEntry(identifier, text(e._SYSTEMD_UNIT), m)) return undefined;
  const message = text(e.MESSAGE);
  const cursor = text(e.__CURSOR);
  const realtime = text(e.__REALTIME_TIMESTAMP);
  const pos = cursor === undefined ? undefined : parseCursor(cursor);
  if (message === undefined || pos === undefined || realtime === undefined || !/^\d+$/.test(realtime)) return undefined;
  const us = BigInt(realtime);
  const host = (text(e._HOSTNAME) ?? 'localhost').replace(/\s/g, '_') || 'localhost';
  const program = (identifier ?? text(e._COMM) ?? 'unknown').replace(/[\s[:]/g, '_');
  const pid = text(e.SYSLOG_PID) ?? text(e._PID);
  const line = `${rfc3339Micros(us)} ${host} ${program}${pid !== undefined && /^\d+$/.test(pid) ? `[${pid}]` : ''}: ${message.replace(/\r?\n/g, ' ')}`;
  return { line, at: { ...pos, cursor: cursor!, realtimeUs: Number(us) } };
}
