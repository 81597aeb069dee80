// A fleet end to end (issue 16): two real MTA hosts, each followed live by its own `serve` into
// one real PostgreSQL 15. The Postfix harness (host mx1) runs first, then the Exim harness (host
// mx2); each agent follows its MTA's syslog file from its first line while the MTA works, and
// the first agent stays up while the second host runs. Afterwards the shared database must
// equal both logs imported into SQLite: every message, and the report, for each host (--host)
// and for both together.
// Needs root, the packages of test/e2e/setup-debian.sh (postgresql-15 among them); skips
// without them, except under CI=true where it fails.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, freePort, runCli, startServe, stopClean, type ServeRun } from '../daemon/lib/serve-process.ts';
import { postgresMissing, startPostgres, type Postgres } from '../lib/postgres.ts';
import { eximAdapter as eximAdapterOf } from './exim/run.ts';
import { runHarness } from './lib/harness.ts';
import type { MtaAdapter } from './lib/mta.ts';
import type { Peers } from './lib/peers.ts';
import { prerequisitesMet } from './lib/suite.ts';
import { postfixAdapter } from './postfix/run.ts';

const eximAdapter = eximAdapterOf();
const TITLE = 'a fleet end to end: Postfix and Exim hosts, one serve each, one PostgreSQL';
const needs = {
  binaries: [...new Set([...postfixAdapter.needs.binaries, ...eximAdapter.needs.binaries, '/usr/lib/postgresql/15/bin/initdb'])],
  users: [...new Set([...postfixAdapter.needs.users, ...eximAdapter.needs.users, 'postgres'])],
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Agent {
  host: string;
  serve: ServeRun;
  port: number;
  /** The run's log as the harness copied it (OUTDIR/mail.log or exim-syslog.log). */
  log: string;
}

if (prerequisitesMet(TITLE, 'fleet (Postfix, Exim, PostgreSQL)', needs) && !postgresMissing()) {
  describe(TITLE, () => {
    let pg: Postgres;
    let url = '';
    let out = '';
    const agents: Agent[] = [];
    const refs = new Map<string, string>();

    /** One MTA host's harness run, followed live by its own serve (agent named after the host). */
    async function runHost<P extends Peers>(adapter: MtaAdapter<P>, host: string, logName: string): Promise<void> {
      const dir = path.join(out, host);
      const port = await freePort();
      let serve: ServeRun | undefined;
      await runHarness(adapter, dir, {
        onLiveLog: async (classicLog) => {
          serve = startServe(BIN, url, [classicLog], port, ['--agent', host, '--batch-ms', '50', '--poll-ms', '50']);
          if (!(await serve.serving)) throw new Error(`serve for ${host} did not start:\n${serve.out()}`);
        },
      });
      if (!serve) throw new Error(`the ${host} harness never wrote its log`);
      agents.push({ host, serve, port, log: path.join(dir, logName) });
    }

    /** Until the agent has read every line of its host's log (the copy the harness kept). */
    async function caughtUp(a: Agent): Promise<void> {
      const want = (await readFile(a.log, 'utf8')).split('\n').filter(Boolean).length;
      for (let i = 0; i < 600; i++) {
        const r = await fetch(`http://127.0.0.1:${a.port}/healthz`).catch(() => undefined);
        const h = r?.ok ? ((await r.json()) as { lines_read: number; lines_pending: number }) : undefined;
        if (h && h.lines_read >= want && h.lines_pending === 0) return;
        await sleep(100);
      }
      throw new Error(`serve for ${a.host} did not read all ${want} lines of ${a.log}:\n${a.serve.out().slice(-2000)}`);
    }

    beforeAll(async () => {
      pg = await startPostgres();
      url = await pg.database('fleet_e2e');
      out = await mkdtemp(path.join(os.tmpdir(), 'bw-e2e-fleet-'));
      await runHost(postfixAdapter, 'mx1', 'mail.log');
      await runHost(eximAdapter, 'mx2', 'exim-syslog.log');
      for (const a of agents) await caughtUp(a);
      // A commit is due within batch-ms; then each stops cleanly (SIGTERM commits what it read).
      await sleep(500);
      for (const a of agents) expect(await stopClean(a.serve), a.serve.out().slice(-2000)).toBe(0);
      for (const a of agents) {
        const ref = path.join(out, `${a.host}.db`);
        await runCli(BIN, ['import', '--db', ref, '--year', String(new Date().getFullYear()), a.log]);
        refs.set(a.host, ref);
      }
    }, postfixAdapter.timeoutMs + eximAdapter.timeoutMs + 240_000);

    afterAll(async () => {
      for (const a of agents) a.serve.child.kill('SIGKILL');
      pg?.stop();
      if (out) await rm(out, { recursive: true, force: true });
    });

    const lines = (text: string) => text.split('\n').filter(Boolean);

    it('holds each host exactly as that host\'s log imported alone', async () => {
      expect(agents.map((a) => a.host)).toEqual(['mx1', 'mx2']);
      for (const [host, ref] of refs) {
        const got = await runCli(BIN, ['messages', '--db', url, '--host', host, '--json']);
        const want = await runCli(BIN, ['messages', '--db', ref, '--json']);
        expect(lines(want).length, host).toBeGreaterThan(10);
        expect(got, host).toBe(want);
        const report = (db: string, more: string[]) => runCli(BIN, ['report', '--db', db, '--json', ...more]).then((t) => JSON.parse(t) as Record<string, unknown>);
        const g = await report(url, ['--host', host]);
        const w = await report(ref, []);
        // Lines are counted per reader, not per host (one reader may read several hosts' logs),
        // so a host's period is the span of its mail, where a whole database's also covers the
        // hours its line counters name: the counts are compared, the bounds and lines are not.
        for (const r of [g, w]) for (const k of ['lines', 'from', 'to']) delete r[k];
        expect(g, host).toEqual(w);
      }
    });

    it('holds both hosts together: every message of both, the counters summed', async () => {
      const got = lines(await runCli(BIN, ['messages', '--db', url, '--json'])).sort();
      const all = (await Promise.all([...refs.values()].map((ref) => runCli(BIN, ['messages', '--db', ref, '--json'])))).flatMap(lines).sort();
      expect(got).toEqual(all);
      const report = JSON.parse(await runCli(BIN, ['report', '--db', url, '--json'])) as Record<string, unknown>;
      const parts = await Promise.all([...refs.values()].map(async (ref) => JSON.parse(await runCli(BIN, ['report', '--db', ref, '--json'])) as Record<string, unknown>));
      for (const k of ['accepted', 'rejected_at_smtp', 'delivered', 'bounced_after_accept', 'ndrs', 'backscatter', 'backscatter_ndrs']) {
        expect(report[k], k).toBe(parts.reduce((a, p) => a + (p[k] as number), 0));
      }
      const total = parts.reduce((a, p) => a + (p.lines as { total: number }).total, 0);
      expect((report.lines as { total: number }).total).toBe(total);
    });
  });
} else if (postgresMissing()) {
  if (process.env.CI === 'true') throw new Error(`CI needs PostgreSQL: ${postgresMissing()}`);
  describe.skip(`${TITLE} (${postgresMissing()})`, () => it('needs PostgreSQL', () => undefined));
}
