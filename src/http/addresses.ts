// Addresses and host names as the web server decides on them: loopback is a property of an
// address (127.0.0.0/8, ::1, v4-mapped), never of how a name is spelt; Host values are
// compared in the canonical form a browser would send.
import { BlockList, isIP } from 'node:net';
import { parseCidr } from '../correlate/networks.ts';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** An IP address (any spelling, v4-mapped too) inside 127.0.0.0/8 or ::1. False for names. */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  // BlockList matches ::ffff:127.x against the IPv4 rule itself.
  return family !== 0 && LOOPBACK.check(bare, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The host part of a Host header or listen address ("name:port", "[v6]:port", "name"), as the
 * WHATWG URL parser canonicalises it (lower case, IPv6 compressed, 127.1 as 127.0.0.1, no
 * trailing dot), IPv6 without brackets; undefined when it is not a host at all.
 */
export function canonicalHost(text: string): string | undefined {
  // Anything a URL would read as path, user or query is not part of a host.
  if (text === '' || /[\s/?#@\\]/.test(text)) return undefined;
  let host: string;
  try {
    host = new URL(`http://${text}`).hostname;
  } catch {
    return undefined;
  }
  return host.replace(/^\[|\]$/g, '').replace(/\.$/, '');
}

/** The key a client's failures are counted under: its address, or its /64 for IPv6. */
export function clientKey(address: string | undefined): string {
  const a = (address ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (isIP(a) !== 6) return a;
  // One IPv6 host usually holds a whole /64: counting per address would not limit it at all.
  return `${parseCidr(`${a}/64`).bits.toString(16)}/64`;
}
