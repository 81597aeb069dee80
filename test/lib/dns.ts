// A real DNS server for the blocklist tests: dnsmasq on a free loopback address and port, with no
// upstream at all (no-resolv, no-hosts, local= zones), so no query ever leaves the machine. In
// front of it a counting UDP forwarder records each query (name, type, time) before dnsmasq
// answers it; names that must fail are forwarded by dnsmasq to sockets this harness opens.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promises as dns } from 'node:dns';

export const DNSMASQ = '/usr/sbin/dnsmasq';

export interface DnsZones {
  /** Zones answered here: a name in them that is not given below is NXDOMAIN. */
  zones: string[];
  /** Name → its A records, with their TTL in seconds (default 60). */
  a?: Record<string, { addresses: string[]; ttl?: number }>;
  /** Name → its TXT records. */
  txt?: Record<string, string[]>;
  /** Domains whose names answer SERVFAIL. */
  servfail?: string[];
  /** Domains whose names never get an answer. */
  timeout?: string[];
}

export interface DnsQuery {
  name: string;
  type: number;
  /** Date.now() when the forwarder received it. */
  at: number;
}

export interface DnsServer {
  /** The counting forwarder, `ip:port`: what the code under test is configured with. */
  server: string;
  /** dnsmasq itself, `ip:port`. */
  direct: string;
  /** The queries that came through `server`, oldest first. */
  queries: DnsQuery[];
  /** dnsmasq's log (log-queries) so far. */
  log(): string;
  /** Restarts dnsmasq with other records on the same address and port (a listing that ends); the forwarder stays. */
  reload(zones: DnsZones): Promise<void>;
  stop(): Promise<void>;
}

/** Why dnsmasq cannot run here, or undefined when it can. */
export function dnsmasqMissing(): string | undefined {
  if (!existsSync(DNSMASQ)) return `dnsmasq is not installed (${DNSMASQ}): apt-get install dnsmasq-base`;
  return undefined;
}

/** True when the DNS tests can run; says why once when not, and fails under CI=true. */
export function dnsAvailable(): boolean {
  const missing = dnsmasqMissing();
  if (!missing) return true;
  if (process.env.CI === 'true') throw new Error(`CI needs dnsmasq: ${missing}`);
  console.warn(`DNS blocklist cases skipped: ${missing}`);
  return false;
}

/** A port free for both TCP and UDP on `host` (dnsmasq listens on both). */
async function freePort(host: string): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, host, () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const udp = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, host, () => resolve(true));
    });
    if (ok) {
      await new Promise<void>((r) => udp.close(() => r()));
      return port;
    }
  }
}

async function udpSocket(host: string, onMessage: (s: dgram.Socket, msg: Buffer, from: dgram.RemoteInfo) => void): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  s.on('message', (m, r) => onMessage(s, m, r));
  await new Promise<void>((resolve) => s.bind(0, host, () => resolve()));
  return s;
}

const portOf = (s: dgram.Socket) => s.address().port;

/** The question of a DNS message: QNAME (labels from offset 12) and QTYPE. */
function question(msg: Buffer): { name: string; type: number } {
  const labels: string[] = [];
  let i = 12;
  while (i < msg.length && msg[i]! > 0) {
    labels.push(msg.subarray(i + 1, i + 1 + msg[i]!).toString('latin1'));
    i += msg[i]! + 1;
  }
  return { name: labels.join('.').toLowerCase(), type: msg.length >= i + 3 ? msg.readUInt16BE(i + 1) : 0 };
}

/** The answer a broken upstream gives: the query echoed back as a response with RCODE 2. */
function servfail(query: Buffer): Buffer {
  const out = Buffer.from(query);
  out[2] = 0x80 | (query[2]! & 0x79);
  out[3] = 0x80 | 2;
  return out;
}

function config(z: DnsZones, ip: string, port: number, failPort: number, silentPort: number, logFile: string): string {
  const lines = ['no-resolv', 'no-hosts', 'bind-interfaces', `listen-address=${ip}`, `port=${port}`, 'cache-size=0', 'log-queries', `log-facility=${logFile}`];
  for (const zone of z.zones) lines.push(`local=/${zone}/`);
  for (const [name, rec] of Object.entries(z.a ?? {})) for (const a of rec.addresses) lines.push(`host-record=${name},${a},${rec.ttl ?? 60}`);
  for (const [name, texts] of Object.entries(z.txt ?? {})) lines.push(`txt-record=${name},${texts.map((t) => JSON.stringify(t)).join(',')}`);
  for (const d of z.servfail ?? []) lines.push(`server=/${d}/127.0.0.1#${failPort}`);
  for (const d of z.timeout ?? []) lines.push(`server=/${d}/127.0.0.1#${silentPort}`);
  return `${lines.join('\n')}\n`;
}

/** Until dnsmasq answers (an NXDOMAIN of its first zone is an answer). */
async function ready(direct: string, zone: string, proc: ChildProcess, stderr: () => string): Promise<void> {
  const r = new dns.Resolver({ timeout: 200, tries: 1 });
  r.setServers([direct]);
  for (let i = 0; i < 50; i++) {
    if (proc.exitCode !== null) throw new Error(`dnsmasq exited (${proc.exitCode}): ${stderr()}`);
    try {
      await r.resolve4(`ready.${zone}`);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOTFOUND') return;
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`dnsmasq did not answer on ${direct}: ${stderr()}`);
}

export async function startDns(zones: DnsZones): Promise<DnsServer> {
  const missing = dnsmasqMissing();
  if (missing) throw new Error(missing);
  if (zones.zones.length === 0) throw new Error('startDns: give at least one zone');
  const dir = mkdtempSync(join(tmpdir(), 'bw-dns-'));
  // A random 127.0.0.x keeps parallel test files apart even when a port is reused.
  const ip = `127.0.0.${2 + Math.floor(Math.random() * 250)}`;
  const port = await freePort(ip);
  const failing = await udpSocket('127.0.0.1', (s, m, r) => s.send(servfail(m), r.port, r.address));
  const silent = await udpSocket('127.0.0.1', () => undefined);
  const logFile = join(dir, 'dnsmasq.log');
  // dnsmasq drops root for nobody before it writes its log.
  writeFileSync(logFile, '');
  chmodSync(logFile, 0o666);
  chmodSync(dir, 0o755);
  let stderr = '';
  const launch = (z: DnsZones): ChildProcess => {
    writeFileSync(join(dir, 'dnsmasq.conf'), config(z, ip, port, portOf(failing), portOf(silent), logFile));
    const child = spawn(DNSMASQ, ['--keep-in-foreground', `--conf-file=${join(dir, 'dnsmasq.conf')}`, '--pid-file='], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    return child;
  };
  let proc = launch(zones);
  const halt = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((res) => proc.once('exit', res));
      proc.kill('SIGTERM');
      await exited;
    }
  };
  const direct = `${ip}:${port}`;
  const queries: DnsQuery[] = [];
  const forwarder = await udpSocket(ip, (s, m, from) => {
    queries.push({ ...question(m), at: Date.now() });
    const up = dgram.createSocket('udp4');
    let open = true;
    const close = () => {
      if (open) up.close();
      open = false;
    };
    up.on('message', (answer) => {
      s.send(answer, from.port, from.address);
      close();
    });
    up.send(m, port, ip);
    setTimeout(close, 10_000).unref(); // the timeout names never answer
  });
  const stop = async () => {
    await halt();
    for (const s of [forwarder, failing, silent]) s.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ready(direct, zones.zones[0]!, proc, () => stderr);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    server: `${ip}:${portOf(forwarder)}`,
    direct,
    queries,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    reload: async (z) => {
      await halt();
      proc = launch(z);
      await ready(direct, z.zones[0]!, proc, () => stderr);
    },
    stop,
  };
}
