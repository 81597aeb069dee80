// Follows the systemd journal as `serve` follows a file: a `journalctl --output=json --follow`
// child, resumed after the last committed cursor, its mail entries handed over as lines with
// their positions (committed with the rows, like byte offsets). journalctl follows the
// journal's rotation and vacuum itself. A journalctl that dies is started again after the last
// entry handed over; one that cannot start (missing, not allowed) is an error naming the fix.
// Pull-style, like the file follower: entries wait in a bounded buffer (the child is paused
// while it is full: backpressure) until the follow loop polls.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { JournalPosition } from '../store/types.ts';
import { entryOf, parseCursor, type JournalMatch } from './journal-entry.ts';
import { journalArgs, JournalError } from './journal-reader.ts';

export interface JournalEvents {
  lines(lines: string[], at: JournalPosition): void;
  note(level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>): void;
}

export interface JournalFollowOptions {
  /** "journal" (this machine's) or "journal:DIR". */
  source: string;
  match: JournalMatch;
  /** Where the last run stopped (the newest committed position of this source). */
  after?: JournalPosition | undefined;
  /**
   * The highest entry number committed per journal sequence (any source): entries at or below
   * are never handed over again, whatever journalctl starts from (exactly once).
   */
  seen?: Map<string, number>;
  /** journalctl to run (tests point it elsewhere). */
  journalctl?: string;
  /** Entries buffered at most before journalctl is paused. */
  maxBuffered?: number;
}

export { JournalError };

const RESTART_MS = [250, 1000, 5000, 15000];
/** What journalctl says when it may not read the system's journal. */
const DENIED = /insufficient permissions|No journal files were opened|Permission denied|not seeing messages from other users/i;
const denied = (stderr: string) => new JournalError(
  `cannot read the journal (${stderr.trim().split('\n')[0]}): add the user bouncewatch runs as to group systemd-journal (usermod -aG systemd-journal USER)`);
/**
 * After this long without an entry, journalctl is started again after the last entry read. A
 * safety net: under load, a `journalctl --follow` was seen never to hand over an entry that a
 * fresh journalctl shows (test/daemon/journal-follow.test.ts). Entries already read are skipped,
 * so a restart costs one process, never a line.
 */
const RESYNC_MS = 10_000;

export class JournalFollower {
  readonly path: string;
  readonly since = Date.now();
  private child: ChildProcessByStdio<null, Readable, Readable> | undefined;
  private carry = '';
  private stderr = '';
  private buffered: { line: string; at: JournalPosition }[] = [];
  private last: JournalPosition | undefined;
  private closing = false;
  private restarts = 0;
  private startError: JournalError | undefined;
  private lastEntryAt = Date.now();
  private resyncing = false;
  /** The next close of journalctl is ours (a resync): not a failure to report or retry. */
  private restartQuietly = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly seen: Map<string, number>;
  /** The journal no longer holds the saved cursor: read from the oldest entry. */
  private resumeFromOldest = false;

  constructor(private readonly opts: JournalFollowOptions, private readonly on: JournalEvents) {
    this.path = opts.source;
    this.last = opts.after;
    this.seen = new Map(opts.seen);
  }

  /** Where reading stands: the last entry handed over. */
  get position(): JournalPosition | undefined {
    return this.last;
  }

  async start(): Promise<void> {
    // Gone: journalctl would seek near it and skip one entry as if it were the cursor's. Read
    // from the oldest entry instead; `seen` skips what was read before.
    if (this.last && !(await this.holds(this.last))) this.resumeFromOldest = true;
    await this.spawnChild();
    if (this.startError) throw this.startError;
  }

  /** Hands over what journalctl wrote since the last poll; true when there was something. */
  async poll(): Promise<boolean> {
    if (this.startError) throw this.startError;
    if (this.buffered.length === 0) {
      if (this.child && !this.resyncing && Date.now() - this.lastEntryAt > RESYNC_MS) this.resync();
      return false;
    }
    const batch = this.buffered;
    this.buffered = [];
    this.child?.stdout.resume();
    // One hand-over per run of entries of one journal sequence, with its last position: each
    // sequence's highest entry is committed (a directory may hold several hosts' sequences).
    let from = 0;
    for (let i = 1; i <= batch.length; i++) {
      if (i < batch.length && batch[i]!.at.seqnumId === batch[from]!.at.seqnumId) continue;
      this.on.lines(batch.slice(from, i).map((b) => b.line), batch[i - 1]!.at);
      from = i;
    }
    return true;
  }

  /** SIGHUP: nothing to reopen (journalctl follows the journal's files). */
  async reopenOnSignal(): Promise<void> {}

  async close(): Promise<void> {
    this.closing = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const c = this.child;
    if (!c) return;
    const exited = new Promise<void>((resolve) => c.once('close', () => resolve()));
    // A paused stream never ends, and 'close' waits for it: let it flow out.
    c.stdout.resume();
    c.kill('SIGTERM');
    await exited;
    await this.poll();
  }

  /** Starts journalctl again after the last entry read (see RESYNC_MS). */
  private resync(): void {
    const c = this.child;
    if (!c) return;
    this.resyncing = true;
    this.lastEntryAt = Date.now();
    c.once('close', () => {
      this.resyncing = false;
      if (!this.closing) void this.spawnChild();
    });
    this.restartQuietly = true;
    c.kill('SIGTERM');
  }

  private where(): string[] {
    return this.opts.source.startsWith('journal:') ? ['--directory', this.opts.source.slice('journal:'.length)] : [];
  }

  /** As `import --journal` reads it (journal-reader.ts: fields, matches), following. */
  private args(): string[] {
    const dir = this.opts.source.startsWith('journal:') ? this.opts.source.slice('journal:'.length) : undefined;
    // Not --quiet: it would hide "not seeing messages from other users and the system".
    const a = [...journalArgs({ match: this.opts.match, ...(dir !== undefined ? { directory: dir } : {}) }), '--follow'];
    // Resume after the last entry handed over (committed at start; later, after a restart of
    // journalctl, the last one fed: the rows not yet committed are in memory and go with it).
    if (this.last && !this.resumeFromOldest) a.push('--after-cursor', this.last.cursor);
    else a.push('--lines=all');
    return a;
  }

  private spawnChild(): Promise<void> {
    if (this.closing) return Promise.resolve();
    // A journalctl that died mid-line left half an entry: the new one starts on a fresh line.
    this.carry = '';
    return new Promise((resolve) => {
      const cmd = this.opts.journalctl ?? 'journalctl';
      const child = spawn(cmd, this.args(), { stdio: ['ignore', 'pipe', 'pipe'] });
      this.child = child;
      this.stderr = '';
      let settled = false;
      const settle = () => {
        if (!settled) {
          settled = true;
          resolve();
        }
      };
      child.on('error', (e: NodeJS.ErrnoException) => {
        this.startError = new JournalError(e.code === 'ENOENT'
          ? `cannot follow the journal: ${cmd} not found (install systemd's journalctl, or give log files with --log)`
          : `cannot follow the journal: ${e.message}`);
        settle();
      });
      child.stderr.on('data', (d: Buffer) => {
        this.stderr = (this.stderr + d.toString()).slice(-4000);
      });
      // Decoded across chunks: a character split between two reads stays whole.
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d: string) => this.take(d));
      child.on('spawn', () => setTimeout(() => {
        // journalctl follows the user's own journal only and says so: that is not the server's mail.
        if (DENIED.test(this.stderr) && !this.startError) {
          this.startError = denied(this.stderr);
          child.kill('SIGTERM');
        }
        settle();
      }, 200));
      child.on('close', (code) => {
        this.child = undefined;
        const why = this.stderr.trim();
        if (DENIED.test(why)) {
          this.startError ??= denied(why);
          settle();
          return;
        }
        settle();
        if (this.restartQuietly) {
          this.restartQuietly = false;
          return;
        }
        if (this.closing || this.startError) return;
        // journalctl died: start it again after the last entry handed over, with a pause.
        const wait = RESTART_MS[Math.min(this.restarts, RESTART_MS.length - 1)]!;
        this.restarts++;
        this.on.note('warn', 'journalctl stopped; starting it again after the last entry read', { code, stderr: why.slice(0, 500), retry_ms: wait });
        this.restartTimer = setTimeout(() => void this.spawnChild(), wait);
        this.restartTimer.unref();
      });
    });
  }

  private take(chunk: string): void {
    const text = this.carry + chunk;
    const lines = text.split('\n');
    this.carry = lines.pop()!;
    for (const l of lines) {
      if (l === '') continue;
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(l) as Record<string, unknown>;
      } catch {
        this.on.note('warn', 'journalctl wrote a line that is not JSON; skipped', { line: l.slice(0, 200) });
        continue;
      }
      const e = entryOf(json, this.opts.match);
      if (!e) continue;
      this.lastEntryAt = Date.now();
      const at: JournalPosition = { source: this.opts.source, ...e.at };
      // Already read (a restarted journalctl, or a cursor the journal no longer holds).
      if (at.seqnum <= (this.seen.get(at.seqnumId) ?? -1)) continue;
      this.seen.set(at.seqnumId, at.seqnum);
      this.last = at;
      this.resumeFromOldest = false;
      this.buffered.push({ line: e.line, at });
    }
    if (this.buffered.length >= (this.opts.maxBuffered ?? 20_000)) this.child?.stdout.pause();
  }

  /**
   * Does the journal still hold the entry where the last run stopped? The first entry at or
   * after its cursor tells: a later number of the same sequence means the journal was vacuumed
   * past it (those entries are gone; not all of them were mail); another sequence means the
   * whole sequence is gone. Reading then starts from the oldest entry there is.
   */
  private holds(from: JournalPosition): Promise<boolean> {
    return new Promise((resolve) => {
      const child = spawn(this.opts.journalctl ?? 'journalctl', ['--output=json', '--no-pager', '--quiet', ...this.where(), '--cursor', from.cursor],
        { stdio: ['ignore', 'pipe', 'ignore'] });
      let text = '';
      let held = true;
      let answered = false;
      const done = () => {
        child.kill('SIGTERM');
        resolve(held);
      };
      child.on('error', () => resolve(true));
      child.stdout.on('data', (d: Buffer) => {
        // Output already on its way after the first line: the answer is given once.
        if (answered) return;
        text += d.toString('utf8');
        const nl = text.indexOf('\n');
        if (nl < 0) return;
        answered = true;
        let first: { seqnumId: string; seqnum: number } | undefined;
        try {
          first = parseCursor(String((JSON.parse(text.slice(0, nl)) as { __CURSOR?: unknown }).__CURSOR ?? ''));
        } catch {
          first = undefined;
        }
        held = !first || (first.seqnumId === from.seqnumId && first.seqnum === from.seqnum);
        if (first && first.seqnumId === from.seqnumId && first.seqnum > from.seqnum) {
          this.on.note('warn', 'journal entries lost: the journal was vacuumed past where bouncewatch stopped; reading from the oldest entry there is (not all of the lost entries were mail)', {
            entries_lost: first.seqnum - from.seqnum - 1, after_cursor: from.cursor,
          });
        } else if (first && first.seqnumId !== from.seqnumId) {
          this.on.note('warn', 'journal entries may be lost: the journal no longer holds the sequence bouncewatch stopped in; reading from the oldest entry there is', {
            after_cursor: from.cursor,
          });
        }
        done();
      });
      child.on('close', () => resolve(held));
    });
  }
}
