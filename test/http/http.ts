// Real HTTP for the server tests: raw requests through node:http (any Host header, malformed
// paths, big bodies, TLS), the real app on a free port, and a database imported with the CLI.
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { request as httpsRequest, createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type AppDeps } from '../../src/http/app.ts';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { cliOk } from '../cli/run-cli.ts';
import { openTestStore } from '../lib/store.ts';

const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Milliseconds from sending to the end of the answer. */
  ms: number;
}

export interface Ask {
  method?: string;
  /** Sent as is: no normalisation or re-encoding, unlike fetch. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A local address to send from (the client's address as the server sees it). */
  from?: string;
}

/** One request to `base` (http://host:port or https://...), with exactly the headers given. */
export function ask(base: string, a: Ask): Promise<Reply> {
  const url = new URL(base);
  const tls = url.protocol === 'https:';
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = (tls ? httpsRequest : httpRequest)({
      host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, method: a.method ?? 'GET', path: a.path,
      // Without setHost, node sends no Host of its own: the test's Host is the only one.
      setHost: !a.headers || !Object.keys(a.headers).some((h) => h.toLowerCase() === 'host'),
      headers: { connection: 'close', ...a.headers }, agent: false,
      ...(a.from ? { localAddress: a.from } : {}),
      ...(tls ? { rejectUnauthorized: false } : {}),
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ms: Date.now() - started }));
    });
    req.on('error', reject);
    req.end(a.body);
  });
}

export const form = (fields: Record<string, string>): Pick<Ask, 'headers' | 'body'> => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

export interface Running {
  base: string;
  port: number;
  close(): Promise<void>;
}

/** The real app on `host` and a free port; over TLS when a key and certificate are given. */
export async function start(deps: AppDeps, host = '127.0.0.1', tls?: { key: string; cert: string }): Promise<Running> {
  const app = createApp(deps);
  const server: Server = tls ? createTlsServer(tls, app) : (await import('node:http')).createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    base: `${tls ? 'https' : 'http'}://${shown}:${port}`,
    port,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const year = (f: string) => new Date((JSON.parse(readFileSync(join(FIX, f), 'utf8')) as { generated_at: string }).generated_at).getUTCFullYear();

/** A store filled by `bouncewatch import` from the logs the e2e harness's real MTAs wrote. */
export function importedStore(): { path: string; store: SqliteStore } {
  const path = join(mkdtempSync(join(tmpdir(), 'bw-hard-')), 'bw.db');
  cliOk(['import', '--db', path, '--year', String(year('postfix-e2e/truth.json')), join(FIX, 'postfix-e2e/mail.log')]);
  cliOk(['import', '--db', path, '--year', String(year('exim-e2e/truth.json')), join(FIX, 'exim-e2e/exim-syslog.log')]);
  return { path, store: openTestStore(path) };
}

export const json = (r: Reply): Record<string, unknown> => JSON.parse(r.body) as Record<string, unknown>;
