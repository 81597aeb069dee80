// One writer per agent on a shared PostgreSQL database: two `serve`s (or a serve and an import)
// under the same agent name would each count the same lines. The lock is a session advisory
// lock on the agent's name, held by a connection of its own for as long as the writer runs:
// PostgreSQL releases it when that connection ends, so a writer that dies (SIGKILL, crash,
// host gone) leaves nothing to clean up. Who holds it is written in agent_locks for messages.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import { LockError, type Holder, type Lock, type LockOptions } from '../sqlite/writer-lock.ts';
import { redact } from './pg.ts';

/** A 64-bit advisory lock key from the agent's name (as a decimal string: pg's int8). */
function keyOf(agent: string): string {
  return createHash('sha1').update(`bouncewatch agent ${agent}`).digest().readBigInt64BE(0).toString();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const connect = async (url: string, role: string) => {
  // keepAlive: a connection that silently died (the network, not the server) is noticed, and
  // the lock taken again, instead of waiting for it forever.
  const client = new pg.Client({ connectionString: url, application_name: `bouncewatch ${role} lock`, keepAlive: true, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  await client.connect();
  return client;
};

/**
 * When the lock's connection breaks (PostgreSQL restarted), the lock went with it: it is taken
 * again as soon as the database answers. If another writer of the same name took it meanwhile,
 * `onLost` is told (serve stops: two writers would count the same lines).
 */
function keepHolding(url: string, agent: string, key: string, opts: LockOptions, first: pg.Client): { release(): void } {
  let client = first;
  let released = false;
  const watch = (c: pg.Client) => c.once('end', () => {
    if (!released) void retake();
  });
  const retake = async () => {
    for (let wait = 250; !released; wait = Math.min(wait * 2, 5000)) {
      await sleep(wait);
      try {
        const c = await connect(url, opts.role);
        if (released) return void c.end().catch(() => {});
        const got = (await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key])).rows[0]!.ok;
        if (!got) {
          await c.end().catch(() => {});
          opts.onLost?.(`the writer lock of agent "${agent}" was lost when the connection to ${redact(url)} broke, and another writer of that name holds it now`);
          return;
        }
        client = c;
        watch(c);
        return;
      } catch {
        // not up yet: try again
      }
    }
  };
  watch(first);
  return {
    release: () => {
      released = true;
      void client.end().catch(() => {});
    },
  };
}

export async function lockAgent(url: string, agent: string, opts: LockOptions): Promise<Lock> {
  const client = await connect(url, opts.role);
  const key = keyOf(agent);
  let told = false;
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS agent_locks (agent text PRIMARY KEY, pid integer NOT NULL, role text NOT NULL,
      machine text NOT NULL, since bigint NOT NULL)`).catch(() => {});
    for (;;) {
      const got = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key])).rows[0]!.ok;
      if (got) {
        await client.query(`INSERT INTO agent_locks (agent, pid, role, machine, since) VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT (agent) DO UPDATE SET pid = excluded.pid, role = excluded.role, machine = excluded.machine, since = excluded.since`,
        [agent, process.pid, opts.role, hostname(), Date.now()]);
        return keepHolding(url, agent, key, opts, client);
      }
      const row = (await client.query<{ pid: number; role: string; machine: string }>('SELECT pid, role, machine FROM agent_locks WHERE agent = $1', [agent])).rows[0];
      const holder: Holder = { pid: row?.pid ?? 0, role: row?.role === 'serve' || row?.role === 'import' ? row.role : 'unknown' };
      const what = holder.role === 'unknown' ? 'another bouncewatch' : `bouncewatch ${holder.role}`;
      const msg = `${what} (pid ${holder.pid} on ${row?.machine ?? '?'}) is writing as agent "${agent}" to ${redact(url)}`;
      if (holder.role === 'unknown' || !opts.waitFor?.includes(holder.role)) {
        throw new LockError(`${msg}; each serve or import needs an agent name of its own (config key agent), or wait for it to finish`);
      }
      if (!told) opts.onWait?.(holder, `${msg}; waiting for it to finish`);
      told = true;
      await sleep(opts.pollMs ?? 200);
    }
  } catch (e) {
    await client.end().catch(() => {});
    throw e;
  }
}
