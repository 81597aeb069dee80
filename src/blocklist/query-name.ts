// The DNSBL query name of an address in a zone (RFC 5782 section 2.1 and 2.4): IPv4 octets
// reversed, IPv6 as its 32 nibbles reversed, each followed by the zone.
import { isIPv4, isIPv6 } from 'node:net';

/** The 32 hex digits of an IPv6 address, `::` filled in and a dotted IPv4 tail converted. */
export function ipv6Nibbles(address: string): string {
  let a = address.toLowerCase();
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4tail) {
    const [b0, b1, b2, b3] = v4tail[1]!.split('.').map(Number) as [number, number, number, number];
    a = a.slice(0, -v4tail[1]!.length) + `${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const [head = '', tail] = a.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => g.padStart(4, '0')).join('');
}

/** `2.0.0.127.zen.spamhaus.org` for 127.0.0.2; throws on anything that is not an IP address. */
export function queryName(address: string, zone: string): string {
  const z = zone.replace(/^\.+|\.+$/g, '').toLowerCase();
  if (isIPv4(address)) return `${address.split('.').map(Number).reverse().join('.')}.${z}`;
  if (isIPv6(address)) return `${[...ipv6Nibbles(address)].reverse().join('.')}.${z}`;
  throw new Error(`not an IP address: '${address}'`);
}
