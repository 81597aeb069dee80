// A real webhook receiver for the alert tests: an HTTP server on loopback that records every
// POST (when it arrived, its headers and JSON body) and answers with a status the test sets,
// so a test can make the channel fail and recover.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: {
    text: string;
    status: 'firing' | 'resolved' | 'test';
    alert: { id: number; rule: string; key: string; host: string | null; title: string; value: number; threshold: number;
      started_at: string; resolved_at: string | null; link: string | null; filter: Record<string, string>; window: { from: string; to: string } };
  };
}

export interface Receiver {
  url: string;
  received: Received[];
  /** The HTTP status every request gets from now on (200 by default). */
  answer(status: number): void;
  /** Requests that got a status other than 2xx. */
  refused: number;
  waitFor(pred: (r: Received[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(path = '/hooks/T000/B000/secretpart'): Promise<Receiver> {
  const received: Received[] = [];
  let status = 200;
  let refused = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (status >= 200 && status < 300 && req.method === 'POST') {
        received.push({ at: Date.now(), path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) as Received['body'] });
      } else {
        refused++;
      }
      res.statusCode = status;
      res.end(status === 200 ? 'ok' : 'down for the test');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    answer: (s) => { status = s; },
    get refused() {
      return refused;
    },
    waitFor: async (pred, timeoutMs = 30_000) => {
      const until = Date.now() + timeoutMs;
      while (!pred(received)) {
        if (Date.now() > until) throw new Error(`webhook receiver: not seen in ${timeoutMs} ms; got ${received.map((r) => `${r.body.status} ${r.body.alert.rule}/${r.body.alert.key}`).join(', ') || 'nothing'}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
