// Reads the systemd journal through `journalctl --output=json`: the arguments (which journal,
// since when, and matches that leave most non-mail entries inside journalctl), and a stream of
// parsed entries in chunks, never the whole output at once. Errors name the fix: journalctl
// missing, a journal this user may not read, or journalctl's own stderr.
import { spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import type { JournalMatch } from './journal-entry.ts';

export interface JournalSource {
  /** Journal files (`journalctl --file`), such as files copied from another host. */
  files?: readonly string[];
  /** A journal directory (`journalctl -D`). Neither: this machine's journal. */
  directory?: string;
  /** Only entries from this time on (ms since the epoch). */
  since?: number;
  match: JournalMatch;
}

/** The fields `entryOf` reads; json output adds __CURSOR and __REALTIME_TIMESTAMP itself. */
export const JOURNAL_FIELDS = ['MESSAGE', 'SYSLOG_IDENTIFIER', 'SYSLOG_PID', '_PID', '_COMM', '_HOSTNAME', '_SYSTEMD_UNIT', 'SYSLOG_FACILITY'];

/**
 * `journalctl` arguments for reading a journal once, oldest entry first (a follower adds
 * --follow and --after-cursor). Matches: facility mail OR one of the units (`+` is journalctl's
 * OR); `entryOf` then decides by identifier. --all: without it, json gives a field longer than
 * 4096 bytes as null, and such a message would be lost.
 */
export function journalArgs(src: JournalSource): string[] {
  const args = ['--output=json', '--no-pager', '--all', `--output-fields=${JOURNAL_FIELDS.join(',')}`];
  if (src.directory !== undefined) args.push('--directory', src.directory);
  for (const f of src.files ?? []) args.push('--file', f);
  // journalctl's "@SECONDS" is a time since the epoch (whole seconds: an entry in the second
  // before is read again, and skipped as already imported if it was).
  if (src.since !== undefined) args.push(`--since=@${Math.floor(src.since / 1000)}`);
  const matches = ['SYSLOG_FACILITY=2', ...src.match.units.map((u) => `_SYSTEMD_UNIT=${u}`)];
  args.push(...matches.flatMap((m, i) => (i === 0 ? [m] : ['+', m])));
  return args;
}

/** journalctl's words for "this user may not read that journal". */
const DENIED = /Permission denied|insufficient permissions|not seeing messages from other users and the system/;

export class JournalError extends Error {}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'USER';
  }
}

function deniedError(stderr: string): JournalError {
  const user = process.env.USER ?? process.env.LOGNAME ?? userName();
  return new JournalError(
    `journalctl may not read the journal as this user: ${stderr.trim().split('\n')[0] ?? ''} ` +
      `(add the user to the group systemd-journal, or adm: \`usermod -aG systemd-journal ${user}\`, then log in again; ` +
      'a journal file copied from another host must be readable by this user)',
  );
}

const NOT_FOUND = 'journalctl not found: reading the journal needs systemd\'s journalctl on the PATH ' +
  '(Debian, Ubuntu: apt-get install systemd; RHEL: dnf install systemd), or import the log files instead';

/** Splits a stream's text into lines, across chunk boundaries. */
function lineSplitter(): (text: string) => string[] {
  let rest = '';
  return (text) => {
    const parts = (rest + text).split('\n');
    rest = parts.pop()!;
    return parts;
  };
}

/**
 * Runs `journalctl ARGS` and yields its entries as parsed JSON objects, a chunk per read of its
 * output. Throws a JournalError when journalctl is missing, may not read the journal, or
 * exits non-zero (with its stderr). Ending the loop early stops journalctl.
 */
export async function* readJournal(args: readonly string[], journalctl = 'journalctl'): AsyncGenerator<Record<string, unknown>[]> {
  const child = spawn(journalctl, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    if (stderr.length < 64 * 1024) stderr += s;
  });
  let spawnError: NodeJS.ErrnoException | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (e: NodeJS.ErrnoException) => {
      spawnError = e;
      resolve(null);
    });
    child.once('close', (code) => resolve(code));
  });
  const check = () => {
    if (spawnError) throw spawnError.code === 'ENOENT' ? new JournalError(NOT_FOUND) : new JournalError(`cannot run journalctl: ${spawnError.message}`);
    // The "not seeing messages" hint comes before any entry: stop before they are imported.
    if (DENIED.test(stderr)) throw deniedError(stderr);
  };
  try {
    const decoder = new StringDecoder('utf8');
    const split = lineSplitter();
    for await (const data of child.stdout as AsyncIterable<Buffer>) {
      check();
      const entries = split(decoder.write(data)).filter((l) => l !== '').map(parseEntry);
      if (entries.length > 0) yield entries;
    }
    const last = split(decoder.end() + '\n').filter((l) => l !== '').map(parseEntry);
    const code = await exited;
    check();
    if (code !== 0) throw new JournalError(`journalctl failed (exit ${code}) reading ${whichJournal(args)}: ${stderr.trim() || 'no message'}`);
    if (last.length > 0) yield last;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}

/** The journal the arguments name, for an error: its files or directory, else this machine's. */
function whichJournal(args: readonly string[]): string {
  const named = args.flatMap((a, i) => (a === '--file' || a === '--directory' ? [args[i + 1] ?? ''] : []));
  return named.length > 0 ? named.join(' ') : "this machine's journal";
}

function parseEntry(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new JournalError(`journalctl printed a line that is not JSON: ${line.slice(0, 200)}`);
  }
}
