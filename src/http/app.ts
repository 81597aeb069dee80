// The web app (express 5), built by a factory so tests can start it on port 0: strict
// security headers, a Host check, token auth or loopback clients only, the JSON API, /metrics,
// /healthz and the static dashboard in web/ with chart.js served from node_modules (no CDN).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express from 'express';
import helmet from 'helmet';
import pino, { type Logger } from 'pino';
import { recommend } from '../advise/recommend.ts';
import { WEB_DIR } from '../paths.ts';
import type { Store } from '../store/store.ts';
import type { Period } from '../store/types.ts';
import { tokenAuth } from './auth.ts';
import { hostCheck, loopbackClientsOnly } from './host-check.ts';
import { errorHandler, pathDecodes } from './http-error.ts';
import { metricsRegistry, type LiveMetrics } from './metrics.ts';
import { DEFAULT_LIMITS } from './rate-limit.ts';
import { apiRouter } from './routes/api.ts';

export interface Health {
  status: 'ok' | 'starting' | 'stopping';
  [k: string]: unknown;
}

export interface AppDeps {
  store: Store;
  health(): Health | Record<string, unknown> | Promise<Health | Record<string, unknown>>;
  /** When set, every page and API call needs it. */
  token?: string;
  /** With a token: leave /healthz and /metrics open (for monitoring). */
  publicHealth?: boolean;
  /** Host names the dashboard is reached under, besides loopback and localhost (DNS rebinding). */
  hostnames?: readonly string[];
  /** How long a log-in lasts (default 12 h). */
  sessionMs?: number;
  /** Where failed log-ins and token guesses are reported. */
  log?: Logger;
  live?: LiveMetrics;
  recommendations?: (p: Period) => Promise<unknown[]>;
  webRoot?: string;
}

const WEB = WEB_DIR;
const SESSION_MS = 12 * 3_600_000;
const CHART_JS = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"], objectSrc: ["'none'"], baseUri: ["'none'"], frameAncestors: ["'none'"], formAction: ["'self'"],
        },
      },
      // Plain HTTP on a LAN: HSTS and upgrade-insecure-requests would break the dashboard.
      strictTransportSecurity: false,
    }),
  );
  app.use(hostCheck(deps.hostnames ?? []));
  if (deps.token === undefined) app.use(loopbackClientsOnly);
  app.use(pathDecodes);
  const health = async (_req: express.Request, res: express.Response) => {
    res.json(await deps.health());
  };
  const registry = metricsRegistry(deps.store, deps.live);
  const metrics = async (_req: express.Request, res: express.Response) => {
    res.type(registry.contentType).send(await registry.metrics());
  };
  if (deps.token !== undefined) {
    if (deps.publicHealth) {
      app.get('/healthz', health);
      app.get('/metrics', metrics);
    }
    const auth = tokenAuth({
      token: deps.token, sessionMs: deps.sessionMs ?? SESSION_MS, limits: DEFAULT_LIMITS, log: deps.log ?? pino({ level: 'silent' }),
    });
    app.post('/login', express.urlencoded({ extended: false, limit: '4kb' }), auth.login);
    app.use(auth.guard((path) => path === '/login.html' || path === '/login.css' || path === '/style.css'));
  }
  app.get('/healthz', health);
  app.get('/metrics', metrics);
  app.use('/api', apiRouter(deps.store, deps.recommendations ?? ((p) => recommend(deps.store, p))));
  app.get('/vendor/chart.umd.min.js', (_req, res) => res.sendFile(CHART_JS));
  app.use(express.static(deps.webRoot ?? WEB, { index: 'index.html', fallthrough: true }));
  app.use(errorHandler);
  return app;
}
