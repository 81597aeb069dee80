// Real `bouncewatch` processes for the serve tests: `serve` started on a loopback port with its
// pino log kept, stopped by SIGTERM or SIGKILL, and the one-shot commands run without blocking
// (several combinations of the fault matrix run at once).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../bench/follow-serve.ts';

export { freePort };

export const BIN = fileURLToPath(new URL('../../../bin/bouncewatch.js', import.meta.url));
/** Small batches and quick looks: kills land inside write transactions, rotations are seen fast. */
export const FAST = ['--batch-lines', '7', '--batch-ms', '20', '--poll-ms', '20'];

export interface ServeRun {
  child: ChildProcess;
  port: number;
  /** Everything it printed on stdout (pino JSON lines) and stderr. */
  out(): string;
  /** Resolves when it says it is serving (true), or exits first (false). */
  serving: Promise<boolean>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `serve` through `entry` (bin/bouncewatch.js or a bundle of the same sources). */
export function startServe(entry: string, db: string, logs: string[], port: number, flags: string[] = FAST): ServeRun {
  const args = [entry, 'serve', '--db', db, ...logs.flatMap((l) => ['--log', l]), '--listen', `127.0.0.1:${port}`, ...flags];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })));
  const serving = new Promise<boolean>((resolve) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('bouncewatch serving')) resolve(true);
    });
    void exited.then(() => resolve(false));
  });
  return { child, port, out: () => out, serving, exited };
}

export async function killHard(run: ServeRun): Promise<void> {
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  await run.exited;
}

/** SIGTERM; resolves with the exit code (0: it committed what it read and closed cleanly). */
export async function stopClean(run: ServeRun): Promise<number | null> {
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGTERM');
  return (await run.exited).code;
}

/** The JSON lines of its log (pino), for the warnings it gave. */
export function logEntries(run: ServeRun): Record<string, unknown>[] {
  return run.out().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A one-shot command (`import`, `messages`, `report`); rejects on a non-zero exit. */
export function runCli(entry: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [entry, ...args], { maxBuffer: 1 << 28 }, (err, stdout, stderr) =>
      err ? reject(new Error(`bouncewatch ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout));
  });
}
