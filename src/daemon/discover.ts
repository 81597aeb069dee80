// What `serve` follows when no configuration names a log: the usual Postfix and Exim files that
// exist, else this machine's systemd journal when it holds mail entries, else nothing (the demo).
// Also the start-up check of configured logs: a file not there yet is waited for (as `tail -F`
// does); one that cannot be read stops start-up naming the fix.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { ConfigError } from '../config/load.ts';
import { DEFAULT_LOGS } from '../config/schema.ts';

export interface DiscoverOptions {
  /** The usual files, in order (default DEFAULT_LOGS). */
  usual?: readonly string[];
  /** The journalctl to ask (default: `journalctl` on PATH). */
  journalctl?: string;
  /** Units whose entries count as mail, besides the mail facility (config `journal_units`). */
  units: readonly string[];
}

export type Found =
  | { kind: 'files'; logs: string[]; why: string }
  | { kind: 'journal'; logs: ['journal']; why: string }
  | { kind: 'none'; lookedAt: string[]; why: string };

/**
 * Tests only: the usual files as a comma-separated list (empty: none), so that a test machine's
 * own /var/log/mail.log cannot change what a test sees.
 */
export function usualLogs(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  const v = env.BOUNCEWATCH_TEST_USUAL_LOGS;
  return v === undefined ? DEFAULT_LOGS : v.split(',').map((s) => s.trim()).filter(Boolean);
}

type FileState = 'readable' | 'missing' | 'unreadable';

function fileState(path: string): FileState {
  try {
    statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unreadable';
  }
  try {
    accessSync(path, constants.R_OK);
    return 'readable';
  } catch {
    return 'unreadable';
  }
}

/** The fix for a log this user cannot read: the group that may read it on Debian. */
function readFix(group: 'adm' | 'systemd-journal'): string {
  const owns = group === 'adm' ? 'group adm, which owns /var/log/mail.log on Debian' : 'group systemd-journal, which may read the system journal';
  return `add the user bouncewatch runs as to ${owns} (usermod -aG ${group} USER, then start it from a new login)`;
}

type JournalLook = { kind: 'mail' } | { kind: 'no-mail' | 'missing' | 'denied' | 'failed'; detail: string };

/** One mail entry is enough: the mail facility, or any entry of the mail units. */
function lookAtJournal(journalctl: string, units: readonly string[]): JournalLook {
  const matches = ['SYSLOG_FACILITY=2', ...units.flatMap((u) => ['+', `_SYSTEMD_UNIT=${u}`])];
  const r = spawnSync(journalctl, ['-q', '--no-pager', '-o', 'json', '-n', '1', ...matches], { encoding: 'utf8', timeout: 15_000 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    return { kind: code === 'ENOENT' ? 'missing' : 'failed', detail: code === 'ENOENT' ? `no ${journalctl}` : r.error.message };
  }
  const err = r.stderr.trim();
  if (/insufficient permissions|permission denied/i.test(err)) return { kind: 'denied', detail: err };
  if (r.status !== 0) return { kind: 'failed', detail: err || `${journalctl} exited ${r.status}` };
  return r.stdout.trim() === '' ? { kind: 'no-mail', detail: 'no mail entries' } : { kind: 'mail' };
}

/** The usual files first (every one that exists), then the journal, else nothing. */
export function discoverLogs(opts: DiscoverOptions): Found {
  const usual = opts.usual ?? DEFAULT_LOGS;
  const states = usual.map((p) => ({ path: p, state: fileState(p) }));
  const readable = states.filter((s) => s.state === 'readable').map((s) => s.path);
  if (readable.length > 0) return { kind: 'files', logs: readable, why: 'no log is configured and these usual mail logs exist' };
  const unreadable = states.find((s) => s.state === 'unreadable');
  if (unreadable) {
    // The server's log is there: a demo would hide it.
    throw new ConfigError(`no log is configured and ${unreadable.path} exists but cannot be read: ${readFix('adm')}`);
  }
  const journalctl = opts.journalctl ?? 'journalctl';
  const j = lookAtJournal(journalctl, opts.units);
  if (j.kind === 'mail') {
    return { kind: 'journal', logs: ['journal'], why: `no log is configured, none of ${usual.join(', ')} exists, and the systemd journal has mail entries` };
  }
  const journalWhy = j.kind === 'denied'
    ? `the journal cannot be read (${j.detail}): if the mail server logs there, ${readFix('systemd-journal')}`
    : `the journal: ${j.detail}`;
  return { kind: 'none', lookedAt: [...usual, 'journal'], why: `none of ${usual.join(', ')} exists; ${journalWhy}` };
}

export interface LogProblem {
  path: string;
  msg: string;
}

/**
 * Configured logs at start-up: "journal" and "-" are not files and are not looked at; for
 * "journal:DIR" the directory must be readable. A missing file is returned as a warning (it is
 * followed from when it appears); a file that cannot be read throws, naming the fix.
 */
export function checkConfiguredLogs(logs: readonly string[]): LogProblem[] {
  const waiting: LogProblem[] = [];
  for (const entry of logs) {
    if (entry === 'journal' || entry === '-') continue;
    if (entry.startsWith('journal:')) {
      checkJournalDir(entry.slice('journal:'.length));
      continue;
    }
    const state = fileState(entry);
    if (state === 'unreadable') throw new ConfigError(`config key "logs": cannot read ${entry}: ${readFix('adm')}`);
    if (state === 'missing') waiting.push({ path: entry, msg: `${entry} does not exist yet: waiting for it, as tail -F does (its lines are read from its first one)` });
  }
  return waiting;
}

function checkJournalDir(dir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ConfigError(`config key "logs": journal:${dir}: no such directory`);
    throw new ConfigError(`config key "logs": journal:${dir}: cannot read it: ${readFix('systemd-journal')}`);
  }
  if (!isDir) throw new ConfigError(`config key "logs": journal:${dir}: not a directory (give the directory that holds the .journal files)`);
  try {
    accessSync(dir, constants.R_OK | constants.X_OK);
  } catch {
    throw new ConfigError(`config key "logs": journal:${dir}: cannot read it: ${readFix('systemd-journal')}`);
  }
}
