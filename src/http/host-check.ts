// Who may talk to the web app at all. The Host check stops DNS rebinding: a page on
// attacker.example whose name is re-pointed at 127.0.0.1 still sends "Host: attacker.example".
// Without a token, only clients on loopback are answered, decided by the socket's address.
import type { NextFunction, Request, Response } from 'express';
import { canonicalHost, isLoopbackAddress } from './addresses.ts';

/**
 * Accepts a Host that is a loopback address in any spelling, `localhost`, one of `names`, or
 * the very address the connection arrived on (a server listening on 0.0.0.0 reached by its
 * IP: an IP literal cannot be rebound). Anything else is 421 Misdirected Request.
 */
export function hostCheck(names: readonly string[]) {
  const accepted = new Set(['localhost', ...names.map((n) => canonicalHost(n)).filter((n): n is string => n !== undefined)]);
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.headers.host;
    const host = given === undefined ? undefined : canonicalHost(given);
    if (host !== undefined && (accepted.has(host) || isLoopbackAddress(host) || sameAddress(host, req.socket.localAddress))) return next();
    res.status(421).type('text/plain').send(
      `bouncewatch: "${given ?? ''}" is not a host name this dashboard is served under. `
      + 'Use 127.0.0.1 or localhost, or add the name to the "hostnames" configuration key.\n',
    );
  };
}

function sameAddress(host: string, local: string | undefined): boolean {
  if (local === undefined) return false;
  const bare = local.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return host === canonicalHost(bare.includes(':') ? `[${bare}]` : bare);
}

/** Without a token nothing proves who the client is: answer loopback clients only. */
export function loopbackClientsOnly(req: Request, res: Response, next: NextFunction): void {
  if (isLoopbackAddress(req.socket.remoteAddress ?? '')) return next();
  res.status(403).type('text/plain').send(
    'bouncewatch: without a token the dashboard answers only from loopback; set "token" to serve other clients.\n',
  );
}
