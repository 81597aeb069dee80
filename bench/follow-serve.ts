// The `serve` process for bench/follow.ts: started on a free loopback port, watched through
// /proc (its memory), /healthz (lines read) and its database opened read-only (lines committed).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const BIN = fileURLToPath(new URL('../bin/bouncewatch.js', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function newest(dir: string): number {
  return Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) =>
    e.isDirectory() ? newest(`${dir}/${e.name}`) : statSync(`${dir}/${e.name}`).mtimeMs));
}

/** What bin/bouncewatch.js runs: the dist/ bundle when it is newer than every source, else tsx. */
export function serveBuild(): string {
  const bundle = `${ROOT}dist/cli.mjs`;
  return existsSync(bundle) && statSync(bundle).mtimeMs >= newest(`${ROOT}src`) ? 'dist/cli.mjs bundle' : 'src/ through tsx';
}

/** A loopback port nothing listens on now (the serve tests use it too). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export class Serve {
  private db: Database.Database | undefined;
  private total: Database.Statement | undefined;

  private constructor(readonly child: ChildProcess, readonly url: string, private readonly dbPath: string, readonly stderr: () => string) {}

  static async start(dbPath: string, log: string, flags: string[]): Promise<Serve> {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve', '--db', dbPath, '--log', log, '--listen', `127.0.0.1:${port}`, ...flags],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('"bouncewatch serving"')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited (${code}) before serving:\n${err}${out}`)));
    });
    child.stdout?.resume();
    return new Serve(child, `http://127.0.0.1:${port}`, dbPath, () => err);
  }

  /** Lines committed: the per-hour line counters are written in the batch's transaction. */
  committed(): number {
    this.db ??= new Database(this.dbPath, { readonly: true, fileMustExist: true });
    this.total ??= this.db.prepare('SELECT coalesce(sum(total), 0) AS n FROM line_counts');
    return (this.total.get() as { n: number }).n;
  }

  /** Exact, but a scan of the table: for the end of a run. */
  messages(): number {
    this.committed();
    return (this.db!.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
  }

  /** Cheap while a run goes on (the largest row id; dropped traces leave gaps). */
  messagesSoFar(): number {
    this.committed();
    return (this.db!.prepare('SELECT coalesce(max(id), 0) AS n FROM messages').get() as { n: number }).n;
  }

  /** Lines the dashboard API counts (all time): what a user of the dashboard can see. */
  async apiLines(): Promise<number> {
    const r = await fetch(`${this.url}/api/summary?from=1970-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`);
    if (!r.ok) throw new Error(`GET /api/summary: ${r.status} ${await r.text()}`);
    return ((await r.json()) as { lines: { total: number } }).lines.total;
  }

  async health(): Promise<{ lines_read: number; open_messages: number; commits: number }> {
    const r = await fetch(`${this.url}/healthz`);
    return (await r.json()) as { lines_read: number; open_messages: number; commits: number };
  }

  /** VmRSS and VmHWM (peak) in MiB, from /proc. */
  memory(): { rssMb: number; peakMb: number } {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  }

  /** SIGTERM: serve commits what it read and exits 0. */
  async stop(): Promise<number | null> {
    this.db?.close();
    const gone = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.kill('SIGTERM');
    return gone;
  }
}
