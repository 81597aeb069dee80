// Synchronous queries to PostgreSQL, for the one reader that must be synchronous: the spill,
// asked by the correlator in the middle of a line (docs/decisions/0004: an await per line
// costs more than the look-up). A worker thread holds its own connection; the caller posts a
// query and sleeps on Atomics.wait until the worker has put the answer on the port. Only spill
// look-ups go this way: a new queue id that the Bloom filter cannot rule out, and due messages.
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/** The worker, as CommonJS source (it must run the same from src/ and from the dist bundle). */
const WORKER = `
const { workerData } = require('node:worker_threads');
const pg = require(workerData.pgPath);
const { port, signal, url } = workerData;
const types = { getTypeParser: (oid, format) => (oid === 20 || oid === 1700 ? Number : pg.types.getTypeParser(oid, format)) };
let client;
async function connect() {
  if (client) return client;
  const c = new pg.Client({ connectionString: url, types, application_name: 'bouncewatch spill', keepAlive: true,
    connectionTimeoutMillis: 10000, statement_timeout: 20000 });
  c.on('error', () => { if (client === c) client = undefined; c.end().catch(() => {}); });
  await c.connect();
  client = c;
  return c;
}
port.on('message', async ({ seq, text, values }) => {
  let answer;
  try {
    const c = await connect();
    answer = { seq, rows: (await c.query(text, values)).rows };
  } catch (e) {
    if (client) client.end().catch(() => {});
    client = undefined;
    answer = { seq, error: String(e && e.message || e), code: e && e.code };
  }
  port.postMessage(answer);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
`;

export class SyncQueryError extends Error {}

export class SyncQuery {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  /** Each query's number: an answer that comes after its caller gave up is told apart and dropped. */
  private seq = 0;

  constructor(url: string, private readonly timeoutMs = 30_000) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const pgPath = createRequire(import.meta.url).resolve('pg');
    this.worker = new Worker(WORKER, { eval: true, workerData: { url, port: port2, signal: this.signal, pgPath }, transferList: [port2] });
    // It must not keep the process alive, nor be waited for.
    this.worker.unref();
    this.port.unref();
  }

  query<T>(text: string, values: unknown[] = []): T[] {
    const seq = ++this.seq;
    const deadline = Date.now() + this.timeoutMs;
    Atomics.store(this.signal, 0, 0);
    this.port.postMessage({ seq, text, values });
    let msg: { seq: number; rows?: T[]; error?: string } | undefined;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.signal, 0, 0, left) === 'timed-out') {
        throw new SyncQueryError(`the spill's query to PostgreSQL got no answer in ${this.timeoutMs / 1000} s`);
      }
      Atomics.store(this.signal, 0, 0);
      // Answers to earlier queries whose callers gave up are read past.
      for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
        const got = m.message as { seq: number; rows?: T[]; error?: string };
        if (got.seq === seq) msg = got;
      }
      if (msg) break;
    }
    if (msg.error !== undefined) throw new SyncQueryError(`the spill's query to PostgreSQL failed: ${msg.error}`);
    return msg.rows!;
  }

  async close(): Promise<void> {
    this.port.close();
    await this.worker.terminate();
  }
}
