// Controls the throwaway Postfix instance: prepare its directories and maps, run it with
// `postfix start-fg`, submit through sendmail(1), tell when the queue is empty, and stop it.
import { readFileSync } from 'node:fs';
import { chown, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { awaitExit, run, runOk, startDaemon, userIds, type Daemon } from '../lib/processes.ts';
import type { PostfixDirs } from './config.ts';

export async function preparePostfix(d: PostfixDirs): Promise<void> {
  await runOk('/usr/sbin/postalias', ['-c', d.config, `hash:${path.join(d.config, 'aliases')}`]);
  const pf = await userIds('postfix');
  await chown(d.data, pf.uid, pf.gid);
  // `postfix check` creates the queue directories with their owners and modes.
  await runOk('/usr/sbin/postfix', ['-c', d.config, 'check']);
}

const DEFAULT_MAIN_CF = '/etc/postfix/main.cf';

/**
 * An unprivileged sendmail (the simple content filter's script, run by pipe(8) as nobody) may
 * use `-C dir` only when the default main.cf lists dir in alternate_config_directories. Adds
 * it there and gives back what undoes that (the file's old content, or no file).
 */
export async function allowAlternateConfig(d: PostfixDirs): Promise<() => Promise<void>> {
  const before = await readFile(DEFAULT_MAIN_CF, 'utf8').catch(() => null);
  const kept = (before ?? '').split('\n').filter((l) => !/^alternate_config_directories\s*=/.test(l) && l !== '').join('\n');
  await writeFile(DEFAULT_MAIN_CF, `${kept ? `${kept}\n` : ''}# bw-e2e (removed when the harness stops)\nalternate_config_directories = ${d.config}\n`);
  return async () => {
    if (before === null) await rm(DEFAULT_MAIN_CF, { force: true });
    else await writeFile(DEFAULT_MAIN_CF, before);
  };
}

export function startPostfix(d: PostfixDirs): Daemon {
  // start-fg keeps master(8) in our process tree (`postfix start` would daemonize under PID 1),
  // but under a shell script: an emergency stop must signal master itself, via its pid file.
  const emergency = (): void => {
    const pid = Number(readFileSync(path.join(d.queue, 'pid', 'master.pid'), 'utf8').trim());
    if (Number.isInteger(pid) && pid > 1) process.kill(pid, 'SIGTERM');
  };
  return startDaemon('postfix', '/usr/sbin/postfix', ['-c', d.config, 'start-fg'], {}, emergency);
}

export async function queueEmpty(d: PostfixDirs): Promise<boolean> {
  const r = await run('/usr/sbin/postqueue', ['-c', d.config, '-j']);
  if (r.code !== 0) throw new Error(`postqueue -j failed: ${r.stderr}`);
  return r.stdout.trim() === '';
}

export async function queueListing(d: PostfixDirs): Promise<string> {
  return (await run('/usr/sbin/postqueue', ['-c', d.config, '-p'])).stdout;
}

export async function flushQueue(d: PostfixDirs): Promise<void> {
  await run('/usr/sbin/postqueue', ['-c', d.config, '-f']);
}

export async function stopPostfix(d: PostfixDirs, daemon: Daemon): Promise<void> {
  if (daemon.child.exitCode === null) await run('/usr/sbin/postfix', ['-c', d.config, 'stop']);
  await awaitExit(daemon, 15_000);
}

/** Local submission: sendmail(1) -> postdrop -> pickup (origin "local", uid=0). */
export async function submitWithSendmail(d: PostfixDirs, sender: string, rcpts: string[], message: string): Promise<void> {
  await runOk('/usr/sbin/sendmail', ['-C', d.config, '-f', sender, '-i', '--', ...rcpts], { input: message.replace(/\r\n/g, '\n') });
}
