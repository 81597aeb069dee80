// Token authentication, required when bouncewatch listens beyond loopback: a Bearer header, or
// the HttpOnly SameSite=Strict cookie that the login form sets. Compared in constant time.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const COOKIE = 'bw_token';

function same(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

function cookieToken(req: Request): string | undefined {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

export function presented(req: Request): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return cookieToken(req);
}

/** Guards everything after it; `open` paths (login page and its assets) stay reachable. */
export function requireToken(token: string, open: (path: string) => boolean) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = presented(req);
    if ((given !== undefined && same(given, token)) || open(req.path)) return next();
    if (req.path.startsWith('/api/') || req.path === '/metrics' || req.path === '/healthz' || req.method !== 'GET') {
      res.status(401).json({ error: 'a token is required: Authorization: Bearer TOKEN, or log in at /login.html' });
      return;
    }
    res.redirect(302, '/login.html');
  };
}

export function loginHandler(token: string) {
  return (req: Request, res: Response): void => {
    const given = typeof req.body?.token === 'string' ? (req.body.token as string) : '';
    if (!same(given, token)) {
      res.redirect(303, '/login.html?failed=1#failed');
      return;
    }
    res.cookie(COOKIE, given, { httpOnly: true, sameSite: 'strict', path: '/' });
    res.redirect(303, '/');
  };
}
