// Token authentication, required when bouncewatch listens beyond loopback: a Bearer header
// (compared in constant time), or the session cookie that the log-in form sets. Wrong guesses
// are delayed, limited per client address and logged with the address and path, never the guess.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { clientKey } from './addresses.ts';
import { HttpError } from './http-error.ts';
import { FailureLimiter, type LimitOptions } from './rate-limit.ts';
import { Sessions } from './sessions.ts';

const COOKIE = 'bw_session';

export interface AuthOptions {
  token: string;
  sessionMs: number;
  limits: LimitOptions;
  log: Logger;
}

/** Equal-length digests, so neither the length nor a common prefix shows in the timing. */
function same(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

/** Our cookie only: other applications on the same host name may set what they like. */
function sessionCookie(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== COOKIE) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      throw new HttpError(400, `cookie ${COOKIE}: malformed percent-encoding`);
    }
  }
  return undefined;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function tokenAuth(opts: AuthOptions) {
  const sessions = new Sessions(opts.sessionMs);
  const limiter = new FailureLimiter(opts.limits);
  const who = (req: Request) => ({ client: req.socket.remoteAddress, path: req.path });

  /** A client over its limit is answered 429 without its attempt being tried. */
  const limited = (req: Request, res: Response): number => {
    const retry = limiter.retryAfter(clientKey(req.socket.remoteAddress));
    if (retry > 0) {
      opts.log.warn({ ...who(req), retry_after: retry }, 'authentication refused: too many wrong tokens from this client');
      res.set('Retry-After', String(retry)).status(429);
    }
    return retry;
  };

  const failed = async (req: Request, via: 'bearer' | 'login') => {
    const failures = limiter.fail(clientKey(req.socket.remoteAddress));
    opts.log.warn({ ...who(req), via, failures }, 'authentication failed: wrong token');
    await wait(opts.limits.delayMs);
  };

  /** Guards everything after it; `open` paths (login page and its assets) stay reachable. */
  const guard = (open: (path: string) => boolean) => async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (open(req.path)) return next();
    let sid: string | undefined;
    try {
      sid = sessionCookie(req);
    } catch (e) {
      // Drop the bad cookie too, or every page would stay a 400 until it expired.
      res.clearCookie(COOKIE, { path: '/' });
      throw e;
    }
    if (sid !== undefined && sessions.valid(sid)) return next();
    const auth = req.headers.authorization;
    if (auth !== undefined && /^Bearer /i.test(auth)) {
      const retry = limited(req, res);
      if (retry > 0) {
        res.json({ error: `too many wrong tokens from this address; try again in ${retry} s` });
        return;
      }
      if (same(auth.slice(7).trim(), opts.token)) return next();
      await failed(req, 'bearer');
    }
    if (req.path.startsWith('/api/') || req.path === '/metrics' || req.path === '/healthz' || req.method !== 'GET') {
      res.status(401).json({ error: 'a token is required: Authorization: Bearer TOKEN, or log in at /login.html' });
      return;
    }
    res.redirect(302, '/login.html');
  };

  const login = async (req: Request, res: Response): Promise<void> => {
    const retry = limited(req, res);
    if (retry > 0) {
      res.type('text/plain').send(`Too many wrong tokens from your address. Try again in ${retry} seconds.\n`);
      return;
    }
    const given = typeof req.body?.token === 'string' ? (req.body.token as string) : '';
    if (!same(given, opts.token)) {
      await failed(req, 'login');
      res.redirect(303, '/login.html?failed=1#failed');
      return;
    }
    // Secure only when this request itself came over TLS: no proxy header is trusted for it.
    res.cookie(COOKIE, sessions.create(), { httpOnly: true, sameSite: 'strict', path: '/', maxAge: opts.sessionMs, secure: req.secure });
    res.redirect(303, '/');
  };

  return { guard, login };
}
