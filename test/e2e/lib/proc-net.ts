// Readiness checks that read /proc/net/{tcp,unix} instead of connecting: a probe connection
// would show up in the MTA's log as a client and pollute the fixtures.
import { readFile } from 'node:fs/promises';
import os from 'node:os';

const TCP_LISTEN = '0A';

/** Decodes /proc/net/tcp's "0100007F:0019" into { ip: '127.0.0.1', port: 25 }. */
export function decodeProcAddress(field: string): { ip: string; port: number } | null {
  const m = /^([0-9A-F]{8}):([0-9A-F]{4})$/i.exec(field);
  if (!m || m[1] === undefined || m[2] === undefined) return null;
  const hex = m[1];
  // The kernel prints the 32-bit network-order address as a host-order integer.
  const bytes = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  if (os.endianness() === 'LE') bytes.reverse();
  return { ip: bytes.join('.'), port: parseInt(m[2], 16) };
}

/** Every IPv4 TCP listener as "ip:port" (wildcard listeners appear as 0.0.0.0:port). */
export async function tcpListeners(): Promise<Set<string>> {
  const text = await readFile('/proc/net/tcp', 'utf8');
  const out = new Set<string>();
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    const local = cols[1];
    if (local === undefined || cols[3] !== TCP_LISTEN) continue;
    const addr = decodeProcAddress(local);
    if (addr) out.add(`${addr.ip}:${addr.port}`);
  }
  return out;
}

export interface Endpoint {
  ip: string;
  port: number;
}

/** True when ip:port (or the wildcard address on that port) is listening. */
export function covers(listeners: Set<string>, ep: Endpoint): boolean {
  return listeners.has(`${ep.ip}:${ep.port}`) || listeners.has(`0.0.0.0:${ep.port}`);
}

/** True when some process has bound the unix socket path (e.g. /dev/log owned by a syslogd). */
export async function unixSocketBound(path: string): Promise<boolean> {
  const text = await readFile('/proc/net/unix', 'utf8');
  return text.split('\n').some((line) => line.trim().endsWith(` ${path}`));
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true; throws with `what` after timeoutMs. */
export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, pollMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

export async function waitForListeners(endpoints: Endpoint[], timeoutMs: number): Promise<void> {
  const names = endpoints.map((e) => `${e.ip}:${e.port}`).join(', ');
  await waitUntil(`listeners on ${names}`, async () => {
    const l = await tcpListeners();
    return endpoints.every((e) => l.has(`${e.ip}:${e.port}`));
  }, timeoutMs);
}
