// A fleet under faults, on a real PostgreSQL 15: two agents (`serve --agent`) follow two real
// MTA logs (the e2e harness's Postfix log and Exim mainlog, written line by line as the MTAs
// wrote them) into one database. Agent A is SIGKILLed again and again; PostgreSQL itself is
// crashed (pg_ctl -m immediate) and started again twice while both write. Afterwards the shared
// database must hold exactly what two separate SQLite imports of the same lines hold: every
// message once, every counter equal. While the database is down, the agent that stays up must
// say so in its log and in /healthz, and keep its lines.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../../bench/rng.ts';
import { postgresMissing, startPostgres, type Postgres } from '../lib/postgres.ts';
import { BIN, FAST, freePort, killHard, logEntries, runCli, startServe, stopClean, type ServeRun } from './lib/serve-process.ts';

const POSTFIX = fileURLToPath(new URL('../fixtures/postfix-e2e/mail.log', import.meta.url));
const EXIM = fileURLToPath(new URL('../fixtures/exim-e2e/mainlog', import.meta.url));
const EXIM_HOST = 'mx-exim';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seed = Number(process.env.BW_CRASH_SEED ?? Date.now() % 1_000_000);

const missing = postgresMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs PostgreSQL: ${missing}`);

interface Report {
  from: string;
  to: string;
  lines: Record<string, number>;
  causes: Record<string, number>;
  backscatter_fates: Record<string, number>;
  [k: string]: unknown;
}

/** Two reports of disjoint data as one: counters added, maps added key by key, the wider period. */
function addReports(a: Report, b: Report): Report {
  const out: Record<string, unknown> = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k];
    const y = b[k];
    if (k === 'from') out[k] = [x, y].sort()[0];
    else if (k === 'to') out[k] = [x, y].sort()[1];
    else if (typeof x === 'number' || typeof y === 'number') out[k] = ((x as number) ?? 0) + ((y as number) ?? 0);
    else {
      const m: Record<string, number> = {};
      for (const src of [x, y] as (Record<string, number> | undefined)[]) for (const [kk, v] of Object.entries(src ?? {})) m[kk] = (m[kk] ?? 0) + v;
      out[k] = m;
    }
  }
  return out as Report;
}

/** Messages as `messages --json` prints them (one JSON object per line), in a stable order. */
function messages(text: string): string[] {
  return text.split('\n').filter(Boolean).sort();
}

(missing ? describe.skip : describe)(`a fleet on PostgreSQL under SIGKILL and database crashes (${missing ?? `seed ${seed}`})`, () => {
  let pg: Postgres;
  const dir = mkdtempSync(join(tmpdir(), 'bw-pgfault-'));
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(() => {
    pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses and repeats nothing; the agent that waits says so', async () => {
    const rand = rng(seed);
    const url = await pg.database('fleet');
    const logA = join(dir, 'mail.log');
    const logB = join(dir, 'mainlog');
    const linesA = readFileSync(POSTFIX, 'utf8').split('\n').filter(Boolean);
    const linesB = readFileSync(EXIM, 'utf8').split('\n').filter(Boolean);
    writeFileSync(logA, '');
    writeFileSync(logB, '');

    let written = 0;
    const total = linesA.length + linesB.length;
    const feed = async (path: string, lines: string[]) => {
      for (const line of lines) {
        appendFileSync(path, `${line}\n`);
        written++;
        await sleep(10 + rand() * 20);
      }
    };
    const writers = Promise.all([feed(logA, linesA), feed(logB, linesB)]);

    const portB = await freePort();
    const agentA = () => startServe(BIN, url, [logA], 0, [...FAST, '--agent', 'agent-a']);
    const b = startServe(BIN, url, [logB], portB, [...FAST, '--agent', 'agent-b', '--mainlog-host', EXIM_HOST]);
    let a = agentA();
    const runs: ServeRun[] = [a, b];
    const all = () => runs.map((r) => r.out()).join('\n');
    expect(await b.serving, all()).toBe(true);

    // Health of B while the database is down: polled over HTTP.
    const health = async () => {
      const res = await fetch(`http://127.0.0.1:${portB}/healthz`).catch((e: unknown) => {
        throw new Error(`agent B does not answer (${(e as Error).message}); its log:\n${b.out().slice(-3000)}`);
      });
      return (await res.json()) as Record<string, unknown>;
    };
    const sawDown: Record<string, unknown>[] = [];
    const crash = async () => {
      pg.stopServer('immediate');
      for (let i = 0; i < 60; i++) {
        const h = await health();
        if (h.waiting_for_database === true) {
          sawDown.push(h);
          break;
        }
        await sleep(100);
      }
      await sleep(500 + rand() * 1000);
      pg.startServer();
    };

    let kills = 0;
    let crashes = 0;
    while (written < total || kills < 6) {
      await a.serving;
      await sleep(rand() * 600);
      await killHard(a);
      kills++;
      if (process.env.BW_DEBUG) process.stderr.write(`kill ${kills} at ${written}/${total}\n`);
      if ((crashes === 0 && written > total / 3) || (crashes === 1 && written > (2 * total) / 3)) {
        await crash();
        crashes++;
      }
      a = agentA();
      runs.push(a);
    }
    await writers;
    expect(crashes, all()).toBe(2);

    // Both catch up (the last lines read and committed), then stop cleanly.
    const say = (m: string) => process.env.BW_DEBUG && process.stderr.write(`${m}\n`);
    say(`written ${written}/${total}, kills ${kills}, crashes ${crashes}`);
    for (let i = 0; i < 60; i++) {
      const r = JSON.parse(await runCli(BIN, ['report', '--db', url, '--json'])) as Report;
      if (r.lines.total! >= total) break;
      await sleep(300);
    }
    await a.serving;
    await sleep(500);
    expect(await stopClean(a), all()).toBe(0);
    expect(await stopClean(b), all()).toBe(0);

    // The reference: each log imported alone into SQLite, in one go.
    const refA = join(dir, 'a.db');
    const refB = join(dir, 'b.db');
    await runCli(BIN, ['import', '--db', refA, POSTFIX]);
    await runCli(BIN, ['import', '--db', refB, '--config', writeConfig(dir), EXIM]);

    const got = JSON.parse(await runCli(BIN, ['report', '--db', url, '--json'])) as Report;
    const want = addReports(
      JSON.parse(await runCli(BIN, ['report', '--db', refA, '--json'])) as Report,
      JSON.parse(await runCli(BIN, ['report', '--db', refB, '--json'])) as Report,
    );
    if (JSON.stringify(got) !== JSON.stringify(want)) console.log(`seed ${seed}, kills ${kills}\n${all().slice(-4000)}`);
    expect(got).toEqual(want);
    expect(messages(await runCli(BIN, ['messages', '--db', url, '--json']))).toEqual(
      messages((await runCli(BIN, ['messages', '--db', refA, '--json'])) + (await runCli(BIN, ['messages', '--db', refB, '--json']))));

    // B waited for the database and said so, in /healthz and in its log; nothing it read was lost (above).
    expect(sawDown.length, all()).toBeGreaterThan(0);
    expect(String(sawDown[0]!.database_error)).toMatch(/cannot be reached/);
    expect(logEntries(b).some((e) => String(e.msg).startsWith('database unreachable'))).toBe(true);
    expect(kills).toBeGreaterThanOrEqual(6);
  }, 240_000);
});

/** The Exim mainlog names no host: the reference import gets the same name as agent B. */
function writeConfig(dir: string): string {
  const path = join(dir, 'exim.json');
  writeFileSync(path, JSON.stringify({ mainlog_host: EXIM_HOST }));
  return path;
}
