// `npm run bench:open`: memory bounded by count, not by time. A stuck queue or a flood leaves
// messages queued and never removed; this writes a log of OPEN_MESSAGES (default 2M) such
// messages (client, message-id, qmgr `from=`: three real-shaped Postfix lines each), imports it
// with the shipped bundle under GNU time (peak RSS), then starts `serve` on that database and
// times it until /healthz answers. Beside them, the reference on the same file: a bare
// readline loop (the floor of any reader, and its memory).
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emitResult } from './result.ts';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const DIR = join(ROOT, 'bench/data/open');
const BUNDLE = join(ROOT, 'dist/cli.mjs');
const N = Number(process.env.OPEN_MESSAGES ?? 2_000_000);
const RSS_GOAL_MB = 300;
const START_GOAL_S = 2;

/** Writes n messages, three lines each, 20 ms apart, none of them ever removed. */
async function writeLog(path: string, n: number): Promise<number> {
  const out = createWriteStream(path);
  let t = Date.UTC(2026, 10, 1);
  let buf = '';
  let lines = 0;
  for (let i = 0; i < n; i++) {
    t += 20;
    const at = new Date(t).toISOString().replace('Z', '+00:00');
    const q = (0x10000000 + i).toString(16).toUpperCase();
    const ip = `198.51.${(i >> 8) & 255}.${i & 255}`;
    buf += `${at} mx1 postfix/smtpd[100]: ${q}: client=mail${i % 5000}.example.net[${ip}]\n` +
      `${at} mx1 postfix/cleanup[101]: ${q}: message-id=<${i}.open@example.net>\n` +
      `${at} mx1 postfix/qmgr[102]: ${q}: from=<user${i}@example.net>, size=${1000 + (i % 5000)}, nrcpt=1 (queue active)\n`;
    lines += 3;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise<void>((r) => out.once('finish', () => r()));
  return lines;
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, out }));
  });
}

/** A command under GNU time: wall seconds and peak RSS. */
async function timed(args: string[]): Promise<{ seconds: number; rssMb: number }> {
  const timeOut = join(DIR, 'time.out');
  const start = performance.now();
  const r = await run('/usr/bin/time', ['-o', timeOut, '-f', '%M', process.execPath, ...args]);
  if (r.code !== 0) throw new Error(`${args.join(' ')} failed: ${r.out}`);
  return { seconds: (performance.now() - start) / 1000, rssMb: Number(readFileSync(timeOut, 'utf8').trim().split('\n').pop()) / 1024 };
}

/** From spawning serve to the first 200 from /healthz, and serve's RSS then. */
async function serveStart(db: string): Promise<{ seconds: number; rssMb: number; open: number }> {
  const empty = join(DIR, 'empty.log');
  writeFileSync(empty, '');
  const port = 24000 + (process.pid % 10000);
  const start = performance.now();
  const child = spawn(process.execPath, [BUNDLE, 'serve', '--db', db, '--log', empty, '--listen', `127.0.0.1:${port}`], { stdio: 'ignore' });
  try {
    for (;;) {
      const h = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => (r.ok ? r.json() : undefined), () => undefined) as { open_messages: number } | undefined;
      if (h) {
        const seconds = (performance.now() - start) / 1000;
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
        return { seconds, rssMb, open: h.open_messages };
      }
      if (performance.now() - start > 120_000) throw new Error('serve did not answer /healthz within 120 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

mkdirSync(DIR, { recursive: true });
const openLog = join(DIR, 'open.log');
const db = join(DIR, 'open.db');
console.log(`writing ${N} messages that are never removed ...`);
const openLines = await writeLog(openLog, N);
for (const p of [db, `${db}-wal`, `${db}-shm`]) rmSync(p, { force: true });
const floor = await timed([join(ROOT, 'bench/readline-child.mjs'), openLog]);
const open = await timed([BUNDLE, 'import', '--db', db, openLog]);
const serve = await serveStart(db);

const fmt = (lines: number, r: { seconds: number; rssMb: number }) =>
  `${lines} lines in ${r.seconds.toFixed(1)} s (${Math.round(lines / r.seconds)} lines/s), peak RSS ${r.rssMb.toFixed(0)} MB`;
console.log(`readline floor on the same file:        ${fmt(openLines, floor)}`);
console.log(`bouncewatch import, ${N} open messages: ${fmt(openLines, open)}`);
console.log(`serve start-up on that database: /healthz after ${serve.seconds.toFixed(2)} s, RSS ${serve.rssMb.toFixed(0)} MB, ${serve.open} open messages in memory`);
emitResult({ target: `Import peak RSS, ${N / 1e6}M open messages`, figure: `${open.rssMb.toFixed(0)} MB (readline floor ${floor.rssMb.toFixed(0)} MB)`, goal: `< ${RSS_GOAL_MB} MB`, met: open.rssMb < RSS_GOAL_MB });
emitResult({ target: `serve start-up, ${N / 1e6}M open messages`, figure: `${serve.seconds.toFixed(2)} s`, goal: `< ${START_GOAL_S} s`, met: serve.seconds < START_GOAL_S });
