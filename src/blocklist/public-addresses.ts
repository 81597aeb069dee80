// Which of this host's addresses the world sees, so those are the ones looked up in blocklists:
// the configured list when there is one, else the interfaces' and the MTA's own addresses less
// private, loopback, link-local, documentation and other non-routable ranges.
import { BlockList, isIP } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

// No list will ever list these, and a lookup of them only leaks our network layout to the list.
// (No ::ffff:0:0/96 here: BlockList matches IPv4 addresses against it, so all would be private.)
const NOT_PUBLIC = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NOT_PUBLIC.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['64:ff9b:1::', 48], ['100::', 64], ['2001:db8::', 32],
  ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) NOT_PUBLIC.addSubnet(net, bits, 'ipv6');

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !NOT_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * `configured` (the blocklist addresses setting) wins as given, so an operator can check a
 * NATed or not-yet-used address; otherwise the public addresses of the interfaces, then those
 * of `extra` (what the MTA binds to), each once.
 */
export function publicAddresses(
  configured: string[] | undefined,
  extra: string[],
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string[] {
  if (configured && configured.length > 0) {
    const bad = configured.find((a) => isIP(a) === 0);
    if (bad !== undefined) throw new Error(`blocklist addresses: '${bad}' is not an IP address`);
    return [...new Set(configured)];
  }
  const found = Object.values(interfaces).flatMap((list) => (list ?? []).filter((i) => !i.internal).map((i) => i.address));
  return [...new Set([...found, ...extra].filter(isPublicAddress))];
}
