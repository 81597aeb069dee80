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

export function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof HttpError) {
    res.status(err.status).json({ error: err.message, ...(err.parameter ? { parameter: err.parameter } : {}) });
    return;
  }
  res.status(500).json({ error: 'internal error' });
}
