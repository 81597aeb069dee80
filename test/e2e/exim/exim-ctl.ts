// Controls the throwaway Exim: list its config in Debian's TRUSTED_CONFIG_LIST (and take it out
// again), check the config, run the daemon in the foreground (-bdf) with a queue runner, submit
// locally, tell when the queue is empty, and stop it.
import { readFileSync, writeFileSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run, runOk, startDaemon, stopDaemon, type Daemon } from '../lib/processes.ts';
import type { EximDirs } from './config.ts';
import { EXIM_BIN, QUEUE_INTERVAL_S, TRUSTED_CONFIGS } from './topology.ts';

async function readLines(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((l) => l.trim() !== '');
}

/**
 * Adds conf to TRUSTED_CONFIG_LIST. Exim keeps root for a -C file only when it is listed there
 * and the list is root's and not writable by group or others; otherwise deliveries fail with
 * "unable to set gid". Lines of earlier runs whose file is gone are dropped on the way.
 */
export async function trustConfig(conf: string): Promise<void> {
  await mkdir(path.dirname(TRUSTED_CONFIGS), { recursive: true, mode: 0o755 });
  const lines = [];
  for (const l of await readLines(TRUSTED_CONFIGS)) {
    if (l === conf || !l.startsWith('/')) continue;
    if (l.includes('/bw-e2e-exim-') && !(await stat(l).catch(() => null))) continue;
    lines.push(l);
  }
  lines.push(conf);
  await writeFile(TRUSTED_CONFIGS, `${lines.join('\n')}\n`);
  await chown(TRUSTED_CONFIGS, 0, 0);
  await chmod(TRUSTED_CONFIGS, 0o644);
  // A run killed before its finally block still takes its line out (sync: 'exit' allows no more).
  process.once('exit', () => untrustSync(conf));
}

function without(text: string, conf: string): string | null {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (!lines.includes(conf)) return null;
  const rest = lines.filter((l) => l !== conf);
  return rest.length > 0 ? `${rest.join('\n')}\n` : '';
}

function untrustSync(conf: string): void {
  try {
    const next = without(readFileSync(TRUSTED_CONFIGS, 'utf8'), conf);
    if (next !== null) writeFileSync(TRUSTED_CONFIGS, next);
  } catch {
    // nothing to undo
  }
}

export async function untrustConfig(conf: string): Promise<void> {
  const next = without(await readFile(TRUSTED_CONFIGS, 'utf8').catch(() => ''), conf);
  if (next !== null) await writeFile(TRUSTED_CONFIGS, next);
}

const exim = async (d: EximDirs, args: string[], input?: string) =>
  await run(EXIM_BIN, ['-C', d.conf, ...args], input === undefined ? {} : { input });

/** `exim -bV` reads the whole config: a syntax error shows up here, not in a dying daemon. */
export async function checkConfig(d: EximDirs): Promise<string> {
  const r = await exim(d, ['-bV']);
  if (r.code !== 0 || /error|warning/i.test(r.stderr)) {
    throw new Error(`exim -C ${d.conf} -bV failed (${r.code}):\n${r.stdout}${r.stderr}`);
  }
  return /^Exim version (\S+)/m.exec(r.stdout)?.[1] ?? '?';
}

/**
 * `exim -bdf -qNs`: the listening daemon stays in the foreground (our child, so stopping it
 * is a plain SIGTERM) and starts a queue runner every N seconds.
 */
export function startExim(d: EximDirs): Daemon {
  return startDaemon('exim', EXIM_BIN, ['-C', d.conf, '-bdf', `-q${QUEUE_INTERVAL_S}s`]);
}

export async function stopExim(daemon: Daemon): Promise<void> {
  await stopDaemon(daemon, 10_000);
}

/** Messages on the queue, frozen ones included (`exim -bpc`). */
export async function queueCount(d: EximDirs): Promise<number> {
  const r = await exim(d, ['-bpc']);
  const n = Number(r.stdout.trim());
  if (r.code !== 0 || r.stdout.trim() === '' || !Number.isInteger(n)) throw new Error(`exim -bpc failed (${r.code}): ${r.stdout}${r.stderr}`);
  return n;
}

export async function queueListing(d: EximDirs): Promise<string> {
  return (await exim(d, ['-bp'])).stdout;
}

/** A forced queue run (not of frozen messages): only a guard against a stalled queue. */
export async function flushQueue(d: EximDirs): Promise<void> {
  await exim(d, ['-qf']);
}

/** Local submission as root: `exim -f SENDER -- RCPTS` (P=local, U=root in the log). */
export async function submitLocal(d: EximDirs, sender: string, rcpts: string[], message: string): Promise<void> {
  await runOk(EXIM_BIN, ['-C', d.conf, '-f', sender, '--', ...rcpts], { input: message.replace(/\r\n/g, '\n') });
}
