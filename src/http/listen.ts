// Where `serve` listens, decided on addresses, not on spelling: the listen name is resolved
// once, a server without a token must resolve to loopback only, and it binds exactly the
// address that was checked ("127.0.0.1.example.test" is a name like any other).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isLoopbackAddress } from './addresses.ts';

export interface ListenAt {
  /** The name or address as configured, without brackets ('' for every interface). */
  name: string;
  /** The address to bind. */
  address: string;
  port: number;
}

export class ListenError extends Error {}

export function splitListen(listen: string): { name: string; port: number } {
  const cut = listen.lastIndexOf(':');
  return { name: listen.slice(0, cut).replace(/^\[|\]$/g, ''), port: Number(listen.slice(cut + 1)) };
}

export async function resolveListen(listen: string, hasToken: boolean): Promise<ListenAt> {
  const { name, port } = splitListen(listen);
  let addresses: string[];
  if (name === '' || isIP(name) !== 0) addresses = [name];
  else {
    try {
      addresses = (await lookup(name, { all: true })).map((a) => a.address);
    } catch (e) {
      throw new ListenError(`config key "listen" (${listen}): cannot resolve ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const outside = addresses.find((a) => !isLoopbackAddress(a));
  if (!hasToken && outside !== undefined) {
    throw new ListenError(`config key "listen" (${listen}) ${outside === name ? 'is' : `resolves to ${outside}, which is`} not a loopback address: `
      + 'set "token" too, or listen on 127.0.0.1');
  }
  return { name, address: addresses[0]!, port };
}
