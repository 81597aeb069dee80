// Invented people, domains, client addresses and HELO names. Remote domains live under the
// reserved .example/.test names, so no generated address belongs to anyone; our own domains are
// per host, and bouncewatch must treat them as local (they are passed with --local-domains).
import type { Random } from './random.ts';

const SYL = ['ka', 'lo', 'mi', 'ter', 'vo', 'ran', 'sel', 'do', 'bri', 'ta', 'nu', 'ex', 'pol', 'gra', 'fen', 'zu', 'mar', 'cin', 'ho', 'qui'];
const FIRST = ['anna', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'zoe'];
const ROLES = ['info', 'sales', 'support', 'billing', 'office', 'jobs', 'newsletter', 'noreply', 'admin', 'contact'];
const TLDS = ['example.com', 'example.net', 'example.org', 'test'];

function word(r: Random, parts: number): string {
  let w = '';
  for (let i = 0; i < parts; i++) w += r.pick(SYL);
  return w;
}

/** A pool of remote domains, fixed for a run, so senders and victims recur as in real mail. */
export class RemoteWorld {
  readonly domains: string[];
  readonly deadDomains: string[];

  constructor(r: Random) {
    this.domains = Array.from({ length: 400 }, (_, i) => `${word(r, 2)}${i}.${r.pick(TLDS)}`);
    // Domains whose MX never answers: where deferrals and expiries come from.
    this.deadDomains = Array.from({ length: 20 }, (_, i) => `${word(r, 2)}-old${i}.example.net`);
  }

  domain(r: Random): string {
    return r.pick(this.domains);
  }

  person(r: Random, domain = this.domain(r)): string {
    return r.chance(0.3) ? `${r.pick(ROLES)}@${domain}` : `${r.pick(FIRST)}.${word(r, 2)}@${domain}`;
  }

  /** A made-up sender of the kind spam forges: a random local part at a real-looking domain. */
  forged(r: Random): string {
    return `${word(r, 3)}${r.int(1, 9999)}@${this.domain(r)}`;
  }
}

/** A public-looking IPv4 address: never loopback, private, multicast or reserved. */
export function publicIp(r: Random): string {
  for (;;) {
    const a = r.int(1, 223);
    const b = r.int(0, 255);
    if (a === 10 || a === 127 || a === 0 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 169 && b === 254) || a === 100) continue;
    return `${a}.${b}.${r.int(0, 255)}.${r.int(1, 254)}`;
  }
}

/** `name[ip]` as smtpd logs a client: reverse name or `unknown`. */
export function clientName(r: Random, ip: string): string {
  if (r.chance(0.35)) return 'unknown';
  const dashed = ip.replace(/\./g, '-');
  return r.chance(0.5) ? `${dashed}.dyn.${r.pick(TLDS)}` : `mail${r.int(1, 9)}.${word(r, 2)}.${r.pick(TLDS)}`;
}

export function helo(r: Random, name: string, ip: string): string {
  if (name !== 'unknown' && r.chance(0.7)) return name;
  return r.chance(0.5) ? `[${ip}]` : `${word(r, 2)}.${r.pick(TLDS)}`;
}

export function localPart(r: Random): string {
  return r.chance(0.8) ? r.pick(FIRST) : `${r.pick(FIRST)}.${word(r, 1)}`;
}

/** A local part that no mailbox has: typos, old staff, dictionary guesses. */
export function missingPart(r: Random): string {
  return r.pick(['former', 'old', 'test', 'x', 'hr', 'careers', 'marketing', 'press']) + word(r, 1) + r.int(1, 999);
}

export function messageId(r: Random, t: number, domain: string): string {
  return `${t.toString(36)}.${r.int(100000, 999999)}@${domain}`;
}
