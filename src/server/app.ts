// The web app (express 5), built by a factory so tests can start it on port 0. For now it
// serves /healthz; the dashboard and the JSON API hang off the same app.
import express from 'express';

export interface Health {
  status: 'ok' | 'starting' | 'stopping';
  [k: string]: unknown;
}

export interface AppDeps {
  health(): Health;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json(deps.health());
  });
  return app;
}
