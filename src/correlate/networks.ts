// Internal networks (CIDR list, like Postfix mynetworks): a client inside them is not remote.
import { isIPv4, isIPv6 } from 'node:net';

interface Net {
  v6: boolean;
  bits: bigint;
  mask: bigint;
}

function v4ToBig(ip: string): bigint {
  return ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function v6ToBig(ip: string): bigint {
  let addr = ip;
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (v4tail) {
    const n = v4ToBig(v4tail[1]!);
    addr = addr.slice(0, -v4tail[1]!.length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = addr.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

export function parseCidr(text: string): Net {
  const [addr, len] = text.trim().split('/') as [string, string | undefined];
  const v6 = isIPv6(addr);
  if (!v6 && !isIPv4(addr)) throw new Error(`not an IP network: "${text}"`);
  const width = v6 ? 128 : 32;
  const prefix = len === undefined ? width : Number(len);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width) throw new Error(`bad prefix length in "${text}"`);
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(width - prefix);
  const bits = (v6 ? v6ToBig(addr) : v4ToBig(addr)) & mask;
  return { v6, bits, mask };
}

export class NetworkList {
  private readonly nets: Net[];
  private readonly cache = new Map<string, boolean>();

  constructor(cidrs: readonly string[]) {
    this.nets = cidrs.filter((c) => c.trim() !== '').map(parseCidr);
  }

  static parse(list: string): NetworkList {
    return new NetworkList(list.split(/[\s,]+/));
  }

  contains(ip: string): boolean {
    const hit = this.cache.get(ip);
    if (hit !== undefined) return hit;
    const bare = ip.replace(/^ipv6:/i, '');
    let result = false;
    if (isIPv4(bare)) {
      const n = v4ToBig(bare);
      result = this.nets.some((net) => !net.v6 && (n & net.mask) === net.bits);
    } else if (isIPv6(bare)) {
      const n = v6ToBig(bare);
      result = this.nets.some((net) => net.v6 && (n & net.mask) === net.bits);
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(ip, result);
    return result;
  }
}
