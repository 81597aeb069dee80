// What a real-MTA harness needs of this machine (root, its binaries, its system users, free
// loopback addresses), as one list of what is missing. Both harnesses (preflight) and their e2e
// test files (suite.ts: one skip, or under CI=true one failure) use it.
import { existsSync, readFileSync } from 'node:fs';
import { covers, tcpListeners, type Endpoint } from './proc-net.ts';
import { processesMentioning } from './processes.ts';

export interface Needs {
  /** Absolute paths of the binaries (the MTA's, rsyslogd). */
  binaries: string[];
  /** System users the MTA runs as. */
  users: string[];
}

const hasUser = (name: string): boolean =>
  (existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8') : '').split('\n').some((l) => l.startsWith(`${name}:`));

/** What is missing for a run: 'root', binary paths, `user NAME`. Empty: it can run. */
export function prerequisites(needs: Needs): string[] {
  return [
    process.getuid?.() === 0 ? null : 'root',
    ...needs.binaries.map((p) => (existsSync(p) ? null : p)),
    ...needs.users.map((u) => (hasUser(u) ? null : `user ${u}`)),
  ].filter((x): x is string => x !== null);
}

/**
 * Addresses already in use, as an error that names the leftovers of an earlier run (processes
 * mentioning workPrefix) or else busyHint; null when all are free.
 */
export async function busyAddresses(addresses: Endpoint[], workPrefix: string, staleHint: string, busyHint: string): Promise<string | null> {
  const listeners = await tcpListeners();
  const busy = addresses.filter((ep) => covers(listeners, ep));
  if (busy.length === 0) return null;
  const stale = await processesMentioning(workPrefix);
  return `addresses already in use: ${busy.map((b) => `${b.ip}:${b.port}`).join(', ')}; ${stale.length > 0
    ? `left over from an earlier harness run (${staleHint}):\n${stale.map((p) => `  ${p.pid} ${p.cmd}`).join('\n')}`
    : busyHint}`;
}

/** What a skip or failure message tells the reader to do. */
export const SETUP_HINT = 'run test/e2e/setup-debian.sh as root';
