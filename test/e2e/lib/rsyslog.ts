// Runs rsyslogd in the foreground with its own config: it owns /dev/log for the run and writes
// the mail facility twice, as classic syslog lines and as RFC 3339 lines, so both formats exist.
// /dev/log is machine-wide: the harnesses take turns through a lock file (e2e-lock.ts), held
// from before the bind until this rsyslogd has exited (however it is stopped).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startDaemon, stopDaemon, type Daemon } from './processes.ts';
import { unixSocketBound, waitUntil } from './proc-net.ts';
import { acquireDevLogLock } from './e2e-lock.ts';

export interface Rsyslog {
  daemon: Daemon;
  classicLog: string;
  rfc3339Log: string;
  stop(): Promise<void>;
}

export async function startRsyslog(dir: string, hostname: string): Promise<Rsyslog> {
  const release = await acquireDevLogLock(`rsyslogd for ${hostname} in ${dir}`);
  try {
    return await startLocked(dir, hostname, release);
  } catch (e) {
    await release();
    throw e;
  }
}

async function startLocked(dir: string, hostname: string, release: () => Promise<void>): Promise<Rsyslog> {
  if (await unixSocketBound('/dev/log')) {
    throw new Error('another syslog daemon owns /dev/log; stop it first (see test/e2e/setup-debian.sh)');
  }
  const classicLog = path.join(dir, 'mail.log');
  const rfc3339Log = path.join(dir, 'mail-rfc3339.log');
  const conf = path.join(dir, 'rsyslog.conf');
  // localHostName pins the host field, so fixtures do not depend on the machine's name.
  // Rate limiting is off: Postfix bursts would otherwise be dropped silently.
  await writeFile(conf, [
    `global(workDirectory="${dir}" localHostName="${hostname}" preserveFQDN="off")`,
    'module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0" SysSock.Unlink="on")',
    `mail.* action(type="omfile" file="${classicLog}" template="RSYSLOG_TraditionalFileFormat")`,
    `mail.* action(type="omfile" file="${rfc3339Log}" template="RSYSLOG_FileFormat")`,
    '',
  ].join('\n'));
  const daemon = startDaemon('rsyslogd', '/usr/sbin/rsyslogd', ['-n', '-f', conf, '-i', path.join(dir, 'rsyslogd.pid')]);
  // Released once rsyslogd is gone (it unlinks /dev/log on exit), by rs.stop() or stopDaemon().
  void daemon.exited.then(release);
  try {
    await waitUntil('rsyslogd to bind /dev/log', async () => {
      if (daemon.child.exitCode !== null) throw new Error(`rsyslogd exited early: ${daemon.output()}`);
      return await unixSocketBound('/dev/log');
    }, 10_000);
  } catch (e) {
    await stopDaemon(daemon);
    throw e;
  }
  return { daemon, classicLog, rfc3339Log, stop: async () => await stopDaemon(daemon) };
}
