// Process helpers for the harness: run short commands, start daemons we own, and stop exactly
// those (by pid, never by name) even when a run fails or the test runner exits early; the
// system users the MTAs run as, and the work dirs they must get through.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chmod, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; rejects only when it cannot start. */
export async function run(cmd: string, args: string[], opts: SpawnOptions & { input?: string } = {}): Promise<RunResult> {
  const { input, ...spawnOpts } = opts;
  return await new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...spawnOpts, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A command that exits without reading its input must not crash us with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

/** Like run() but throws with the command's output when it exits non-zero. */
export async function runOk(cmd: string, args: string[], opts: SpawnOptions & { input?: string } = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stdout}${r.stderr}`);
  }
  return r;
}

export interface Daemon {
  name: string;
  child: ChildProcess;
  /** The last part of its stdout+stderr, for error messages. */
  output(): string;
  exited: Promise<number | null>;
  emergencyStop?: () => void;
}

const live = new Set<Daemon>();
let exitHookInstalled = false;

function emergencyStopAll(): void {
  for (const d of live) {
    try {
      d.emergencyStop?.();
      if (running(d) && d.child.pid !== undefined) process.kill(d.child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if we exit (or are told to) before stopping our daemons: only sync work is
  // possible here. SIGTERM, not SIGKILL, so that Postfix's master stops its own children.
  process.on('exit', emergencyStopAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      emergencyStopAll();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

/**
 * Starts a long-running process and remembers it so it can be stopped later. emergencyStop
 * (sync) is for daemons whose real worker is not the child itself (postfix start-fg runs
 * master(8) under a shell script: signalling the script leaves master running).
 */
export function startDaemon(name: string, cmd: string, args: string[], opts: SpawnOptions = {}, emergencyStop?: () => void): Daemon {
  installExitHook();
  const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (b: Buffer): void => {
    tail = (tail + b.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let daemon: Daemon | null = null;
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (e) => {
      tail += `\nspawn error: ${e.message}`;
      if (daemon) live.delete(daemon);
      resolve(null);
    });
    child.on('exit', (code) => {
      if (daemon) live.delete(daemon);
      resolve(code);
    });
  });
  daemon = { name, child, output: () => tail, exited, ...(emergencyStop ? { emergencyStop } : {}) };
  live.add(daemon);
  return daemon;
}

/** Resolves to 'timeout' after ms without keeping the process alive (unref'd timer). */
function timeout(ms: number): Promise<'timeout'> {
  return new Promise((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
}

function running(d: Daemon): boolean {
  return d.child.exitCode === null && d.child.signalCode === null && d.child.pid !== undefined;
}

/** Sends SIGTERM, waits up to graceMs, then SIGKILL. Safe to call on an exited daemon. */
export async function stopDaemon(d: Daemon, graceMs = 5000): Promise<void> {
  if (!running(d) || d.child.pid === undefined) return;
  d.child.kill('SIGTERM');
  const timer = timeout(graceMs);
  if ((await Promise.race([d.exited, timer])) === 'timeout' && running(d)) {
    d.child.kill('SIGKILL');
    await d.exited;
  }
}

/** Waits for a daemon to exit by itself (e.g. after `postfix stop`), then forces it. */
export async function awaitExit(d: Daemon, timeoutMs: number): Promise<void> {
  if ((await Promise.race([d.exited, timeout(timeoutMs)])) === 'timeout') await stopDaemon(d);
}

/** Is a pid alive (used for pids read from pid files of processes we started). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Processes whose command line or environment mentions `marker` (e.g. a harness's temp-dir
 * prefix): leftovers of an earlier run that died before cleaning up. Only reported, never killed.
 */
export async function processesMentioning(marker: string): Promise<{ pid: number; cmd: string }[]> {
  const out: { pid: number; cmd: string }[] = [];
  for (const name of await readdir('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const read = async (f: string): Promise<string> => (await readFile(`/proc/${pid}/${f}`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
    const cmd = await read('cmdline');
    if (cmd.includes(marker) || (await read('environ')).includes(marker)) out.push({ pid, cmd: cmd.trim() });
  }
  return out;
}

/** uid and gid of a system user (`id -u`, `id -g`). */
export async function userIds(user: string): Promise<{ uid: number; gid: number }> {
  const uid = Number((await runOk('id', ['-u', user])).stdout.trim());
  const gid = Number((await runOk('id', ['-g', user])).stdout.trim());
  return { uid, gid };
}

/**
 * Makes the subdirectories (name: path under root) 0755 and opens root itself to 0755: mkdtemp
 * makes it 0700, and the MTA's own users (postfix, nobody, Debian-exim) must get through it.
 */
export async function workDirs<K extends string>(root: string, subdirs: Record<K, string>): Promise<Record<K, string>> {
  await chmod(root, 0o755);
  const out = {} as Record<K, string>;
  for (const [name, rel] of Object.entries(subdirs) as [K, string][]) {
    out[name] = path.join(root, rel);
    await mkdir(out[name], { recursive: true, mode: 0o755 });
  }
  return out;
}
