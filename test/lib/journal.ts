// Real journal files for tests: syslog lines (this project's recorded logs) turned into journal
// export format, written by systemd-journal-remote (never hand-made binaries). Appending to an
// existing file continues its sequence, as a journal that grew since it was last copied.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const JOURNAL_REMOTE = '/lib/systemd/systemd-journal-remote';

/** One journal entry: its fields (a Buffer is written as a binary field, as journald does for non-UTF-8). */
export type ExportEntry = Record<string, string | Buffer>;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d) (\S+) ([^\s[]+)(?:\[(\d+)\])?: (.*)$/;
const CLASSIC = /^(\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\S+) ([^\s[]+)(?:\[(\d+)\])?: (.*)$/;

/** True when systemd-journal-remote is here; in CI its absence fails the run instead of skipping. */
export function journalRemotePresent(): boolean {
  if (existsSync(JOURNAL_REMOTE)) return true;
  const why = `${JOURNAL_REMOTE} missing (apt-get install systemd-journal-remote; bash test/e2e/setup-debian.sh installs it)`;
  if (process.env.CI === 'true') throw new Error(`${why}; CI must run the journal import tests`);
  console.warn(`SKIPPED: journal import tests: ${why}`);
  return false;
}

/** A mail entry as journald stores a syslog line: time in µs, host, identifier, pid, facility mail. */
export function mailEntry(us: bigint, host: string, identifier: string, pid: string | undefined, message: string | Buffer): ExportEntry {
  return {
    __REALTIME_TIMESTAMP: String(us),
    _HOSTNAME: host,
    SYSLOG_IDENTIFIER: identifier,
    ...(pid !== undefined ? { SYSLOG_PID: pid, _PID: pid } : {}),
    MESSAGE: message,
    SYSLOG_FACILITY: '2',
    PRIORITY: '6',
  };
}

/** RFC 3339 syslog lines (`2026-12-03T12:48:58.991849+00:00 host prog[pid]: msg`) as entries. */
export function entriesOfRfc3339(text: string): ExportEntry[] {
  return text.split('\n').filter(Boolean).map((line) => {
    const m = RFC3339.exec(line);
    if (!m) throw new Error(`not an RFC 3339 syslog line: ${line}`);
    const us = BigInt(Date.parse(`${m[1]}${m[3]}`)) * 1000n + BigInt((m[2] ?? '').padEnd(6, '0'));
    return mailEntry(us, m[4]!, m[5]!, m[6], m[7]!);
  });
}

/** Classic syslog lines (`Dec  3 12:29:17 host prog[pid]: msg`) as entries, their times UTC in `year`. */
export function entriesOfClassic(text: string, year: number): ExportEntry[] {
  return text.split('\n').filter(Boolean).map((line) => {
    const m = CLASSIC.exec(line);
    if (!m) throw new Error(`not a classic syslog line: ${line}`);
    const ms = Date.UTC(year, MONTHS.indexOf(m[1]!), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
    return mailEntry(BigInt(ms) * 1000n, m[6]!, m[7]!, m[8], m[9]!);
  });
}

/** Journal export format: `KEY=value` lines, a binary field as KEY, its 64-bit LE length, the bytes. */
export function exportOf(entries: readonly ExportEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    for (const [k, v] of Object.entries(e)) {
      if (typeof v === 'string' && !v.includes('\n')) {
        parts.push(Buffer.from(`${k}=${v}\n`));
      } else {
        const data = typeof v === 'string' ? Buffer.from(v) : v;
        const size = Buffer.alloc(8);
        size.writeBigUInt64LE(BigInt(data.length));
        parts.push(Buffer.from(`${k}\n`), size, data, Buffer.from('\n'));
      }
    }
    parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** Writes the entries into the journal file (its name ends in .journal), appending if it exists. */
export function writeJournal(file: string, entries: readonly ExportEntry[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'bw-export-'));
  try {
    const exp = join(dir, 'entries.export');
    writeFileSync(exp, exportOf(entries));
    const r = spawnSync(JOURNAL_REMOTE, ['-o', file, exp], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`systemd-journal-remote -o ${file} exited ${r.status}: ${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
