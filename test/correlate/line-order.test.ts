// syslog does not order lines across processes: within one second, any interleaving of the
// lines of different processes is a log a real server may write. The real-MTA logs are
// re-ordered that way (seeded) and must read exactly as in their original order.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from '../../bench/rng.ts';
import { Ingest } from '../../src/ingest/ingest.ts';
import { importFile } from '../../src/ingest/import-files.ts';
import { summarize } from '../../src/report/summary.ts';
import { allMessages, openTestStore } from '../lib/store.ts';

const fixture = (p: string) => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));

/** The second a line was written in (its timestamp text without fractions). */
const CLASSIC_SECOND = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d/;
const ISO_SECOND = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d/;
/** The writing process of a syslog line: `host program[pid]:`. */
const SYSLOG_PROCESS = /^\S+(?: [ \d]\d \d\d:\d\d:\d\d)? \S+ ([^\s:]+\[\d+\]):/;
/** An Exim mainlog line names no process: a message id, else the SMTP client's address. */
const EXIM_ID = /^\S+ \S+ (?:\[\d+\] )?([0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}) /;
const CLIENT_IP = /\[(\d[\d.:a-f]*)\]/;

interface Log {
  name: string;
  path: string;
  second: RegExp;
  process: (line: string) => string;
}

const syslogProcess = (line: string) => SYSLOG_PROCESS.exec(line)?.[1] ?? line;
/**
 * The mainlog is written by Exim's receiving and delivery processes alike: a message id's
 * lines (from whichever process) keep their order, as the syslog copy shows they may
 * interleave with another message's; lines without an id belong to one SMTP connection's
 * process (its client address).
 */
const mainlogProcess = (line: string) => EXIM_ID.exec(line)?.[1] ?? `client ${CLIENT_IP.exec(line)?.[1] ?? ''}`;

const LOGS: Log[] = [
  { name: 'postfix e2e (classic)', path: fixture('postfix-e2e/mail.log'), second: CLASSIC_SECOND, process: syslogProcess },
  { name: 'postfix e2e (RFC 3339)', path: fixture('postfix-e2e/mail-rfc3339.log'), second: ISO_SECOND, process: syslogProcess },
  { name: 'exim e2e (mainlog)', path: fixture('exim-e2e/mainlog'), second: ISO_SECOND, process: mainlogProcess },
  { name: 'exim e2e (syslog)', path: fixture('exim-e2e/exim-syslog.log'), second: CLASSIC_SECOND, process: syslogProcess },
];

const seed = Number(process.env.BW_LINE_ORDER_SEED ?? 20261203);
const PERMUTATIONS = Number(process.env.BW_LINE_ORDER_RUNS ?? 100);
const YEAR = 2026;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * One random interleaving: each run of lines with the same second is dealt out again, one
 * process's lines staying in their order (a process writes its own lines in order), the
 * next line drawn from a process with probability by its lines left (uniform over interleavings).
 */
function permute(lines: string[], log: Log, rand: () => number): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    const second = log.second.exec(lines[i]!)?.[0];
    let j = i + 1;
    while (j < lines.length && second !== undefined && log.second.exec(lines[j]!)?.[0] === second) j++;
    const queues = new Map<string, string[]>();
    for (const l of lines.slice(i, j)) {
      const p = log.process(l);
      const q = queues.get(p);
      if (q) q.push(l);
      else queues.set(p, [l]);
    }
    const live = [...queues.values()];
    for (let left = j - i; left > 0; left--) {
      let pick = Math.floor(rand() * left);
      const q = live.find((x) => (pick -= x.length) < 0)!;
      out.push(q.shift()!);
      if (q.length === 0) live.splice(live.indexOf(q), 1);
    }
    i = j;
  }
  return out;
}

/** What `messages --json` and `report --json` print, from the same functions. */
async function read(dir: string, name: string, lines: string[]): Promise<{ messages: string; report: string }> {
  const log = join(dir, `${name}.log`);
  const dbPath = join(dir, `${name}.db`);
  writeFileSync(log, lines.map((l) => `${l}\n`).join(''));
  const store = openTestStore(dbPath);
  await importFile(store, await Ingest.open(store, { internalNetworks: '127.0.0.1/32,::1/128' }), log, { year: YEAR });
  await store.refreshRollups();
  const messages = (await allMessages(store)).map((m) => JSON.stringify(m)).join('\n');
  const report = JSON.stringify(await summarize(store, undefined, undefined));
  await store.close();
  rmSync(log);
  rmSync(dbPath);
  return { messages, report };
}

describe('lines of different processes in the same second may come in any order', () => {
  for (const log of LOGS) {
    it(`${log.name}: ${PERMUTATIONS} seeded permutations (seed ${seed}, BW_LINE_ORDER_SEED)`, async () => {
      const lines = readFileSync(log.path, 'utf8').split('\n').filter((l) => l !== '');
      const dir = mkdtempSync(join(tmpdir(), 'bw-order-'));
      dirs.push(dir);
      const expected = await read(dir, 'original', lines);
      expect(expected.messages.length).toBeGreaterThan(0);
      const rand = rng(seed);
      const failed: number[] = [];
      let first: { i: number; got: { messages: string; report: string } } | undefined;
      let moved = 0;
      for (let i = 0; i < PERMUTATIONS; i++) {
        const order = permute(lines, log, rand);
        moved += order.filter((l, k) => l !== lines[k]).length;
        const got = await read(dir, `p${i}`, order);
        if (got.messages !== expected.messages || got.report !== expected.report) {
          failed.push(i);
          // Kept for a look: the order that read differently.
          if (!first) writeFileSync(join(tmpdir(), `bw-line-order-${seed}-${i}-${log.path.split('/').pop()!}`), order.map((l) => `${l}\n`).join(''));
          first ??= { i, got };
        }
      }
      console.log(`${log.name}: seed ${seed}, ${PERMUTATIONS} permutations, ${moved} lines moved, ${failed.length} differ${failed.length ? ` (first: #${failed[0]})` : ''}`);
      expect(moved, 'the permutations moved lines').toBeGreaterThan(0);
      if (first) {
        const kept = join(tmpdir(), `bw-line-order-${seed}-${first.i}-${log.path.split('/').pop()!}`);
        expect(first.got.messages, `messages after permutation #${first.i} (kept in ${kept})`).toBe(expected.messages);
        expect(first.got.report, `report after permutation #${first.i}`).toBe(expected.report);
      }
      expect(failed).toEqual([]);
    }, 300_000);
  }
});
