// One error type carrying its HTTP status (as in Hono): routes throw it, one handler answers.
import type { NextFunction, Request, Response } from 'express';

export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly parameter?: string) {
    super(message);
  }
}

export function badParam(parameter: string, message: string): HttpError {
  return new HttpError(400, `${parameter}: ${message}`, parameter);
}

/**
 * The 4xx that express and its parts attach to their errors (a body over its limit, a route
 * parameter that does not decode): the client's mistake, so not a 500.
 */
function clientError(err: unknown): { status: number; message: string } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { status?: unknown; type?: unknown; expose?: unknown; message?: unknown };
  if (typeof e.status !== 'number' || e.status < 400 || e.status > 499) return undefined;
  if (e.type === 'entity.too.large') return { status: e.status, message: 'the request body is too large' };
  return { status: e.status, message: e.expose === true && typeof e.message === 'string' ? e.message : 'bad request' };
}

/** A path that does not decode is the client's mistake wherever it leads: 400, not 404 or 500. */
export function pathDecodes(req: Request, _res: Response, next: NextFunction): void {
  try {
    decodeURIComponent(req.path);
  } catch {
    throw new HttpError(400, 'malformed percent-encoding in the path');
  }
  next();
}

export function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof HttpError) {
    res.status(err.status).json({ error: err.message, ...(err.parameter ? { parameter: err.parameter } : {}) });
    return;
  }
  const client = clientError(err);
  if (client) {
    res.status(client.status).json({ error: client.message });
    return;
  }
  res.status(500).json({ error: 'internal error' });
}
