// One writer per database: `serve` and `import` both take a lock file beside the database that
// names the holder (pid and command). Two writers would each correlate and count the same
// lines: a second `import` waits for the first, anything else is refused with the holder's
// name. A lock left by a process that died (SIGKILL, crash) is taken over, and said so.
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';

export class LockError extends Error {}

export type Role = 'serve' | 'import';

export interface Holder {
  pid: number;
  role: Role | 'unknown';
}

export interface Lock {
  release(): void;
  /** The dead process whose lock this one took over, if any. */
  tookOver?: Holder;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process whose parent has not reaped it yet is a zombie: it holds nothing.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Who holds the lock file, from its text: `pid` (older versions) or `pid\nrole`. */
function holderOf(text: string): Holder | undefined {
  const [pidText, role] = text.split('\n');
  const pid = Number(pidText?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, role: role === 'serve' || role === 'import' ? role : 'unknown' };
}

function readHolder(path: string): Holder | undefined {
  try {
    return holderOf(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function describe(h: Holder, dbPath: string): string {
  const what = h.role === 'import' ? 'bouncewatch import' : h.role === 'serve' ? 'bouncewatch serve' : 'another bouncewatch';
  return `${what} (pid ${h.pid}) is writing to ${dbPath}`;
}

/**
 * Takes the lock once, or says who holds it. A dead holder's file is moved aside by rename
 * (atomic) and checked to be the one judged dead, so two processes taking over at once cannot
 * both win.
 */
function tryLock(dbPath: string, role: Role): { lock: Lock } | { holder: Holder } {
  const path = `${dbPath}.lock`;
  let tookOver: Holder | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n${role}\n`);
      closeSync(fd);
      const release = () => {
        try {
          if (readHolder(path)?.pid === process.pid) unlinkSync(path);
        } catch {
          // already gone
        }
      };
      return { lock: { release, ...(tookOver ? { tookOver } : {}) } };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new LockError(`cannot create lock ${path}: ${(e as Error).message}`);
    }
    const holder = readHolder(path);
    if (holder && holder.pid !== process.pid && alive(holder.pid)) return { holder };
    const aside = `${path}.stale-${process.pid}`;
    try {
      renameSync(path, aside);
    } catch {
      continue; // someone else moved it first: look again
    }
    const moved = readHolder(aside);
    if (moved && holder && moved.pid !== holder.pid && alive(moved.pid)) {
      // Not the file judged dead: a live process had just taken over. Put it back if we can.
      try {
        linkSync(aside, path);
      } catch {
        // the path was taken again meanwhile; that holder wins
      }
    } else if (holder) {
      tookOver = holder;
    }
    try {
      unlinkSync(aside);
    } catch {
      // gone already
    }
  }
  throw new LockError(`cannot take the lock ${path}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LockOptions {
  role: Role;
  /** Wait for a holder of these roles to finish; anything else is refused at once. */
  waitFor?: Role[];
  /** Told once when it starts waiting. */
  onWait?: (holder: Holder, message: string) => void;
  pollMs?: number;
  /** A lock held by a connection (PostgreSQL) that broke and was taken by another writer meanwhile. */
  onLost?: (message: string) => void;
}

export async function lockDatabase(dbPath: string, opts: LockOptions): Promise<Lock> {
  let told = false;
  for (;;) {
    const r = tryLock(dbPath, opts.role);
    if ('lock' in r) return r.lock;
    const msg = describe(r.holder, dbPath);
    if (r.holder.role === 'unknown' || !opts.waitFor?.includes(r.holder.role)) {
      const advice = r.holder.role === 'serve'
        ? '; serve imports what it follows by itself: stop it (systemctl stop bouncewatch) to import other files, or use another --db'
        : '; wait for it to finish, or use another --db';
      throw new LockError(msg + advice);
    }
    if (!told) opts.onWait?.(r.holder, `${msg}; waiting for it to finish`);
    told = true;
    await sleep(opts.pollMs ?? 200);
  }
}
