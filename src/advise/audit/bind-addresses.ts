// The IP addresses the MTA's configuration names for its own mail: Postfix smtp_bind_address(6),
// inet_interfaces and master.cf `-o` overrides and host:port services; Exim local_interfaces and
// smtp transports' `interface`. The blocklist watch checks these besides the interfaces'.
import { isIP } from 'node:net';
import { listItems, parseExim } from './exim-parse.ts';
import { expand, splitList } from './postfix-config.ts';
import { parseMainCf, parseMasterCf } from './postfix-parse.ts';

const POSTFIX_PARAMS = ['smtp_bind_address', 'smtp_bind_address6', 'inet_interfaces'];

/** `[2001:db8::1]:25`, `192.0.2.1.25` (Exim) or `192.0.2.1:smtp` (master.cf) → the address. */
const hostOf = (item: string) => /^\[(.+)\](?::.*)?$/.exec(item)?.[1] ?? /^(\d+\.\d+\.\d+\.\d+)[.:]\S+$/.exec(item)?.[1] ?? item;

function postfixAddresses(main: string, master: string | undefined): string[] {
  const params = parseMainCf(main).params;
  const lookup = (name: string) => params.get(name)?.value ?? '';
  const out = POSTFIX_PARAMS.flatMap((p) => splitList(expand(lookup(p), lookup)));
  for (const s of master ? parseMasterCf(master).services : []) {
    if (s.type === 'inet') out.push(hostOf(s.name));
    for (const [k, v] of s.overrides) if (POSTFIX_PARAMS.includes(k)) out.push(...splitList(expand(v, lookup)));
  }
  return out;
}

function eximAddresses(text: string): string[] {
  const cfg = parseExim(text);
  const out = listItems(cfg.main.get('local_interfaces')?.value ?? '');
  for (const t of cfg.transports) if (t.options.get('driver') === 'smtp') out.push(...listItems(t.options.get('interface') ?? ''));
  return out;
}

/** Literal addresses only: `all`, `loopback-only`, host names and `$expansions` are left out. */
export function boundAddresses(cfg: { postfix?: { main: string; master?: string }; exim?: { text: string } }): string[] {
  const all = [...(cfg.postfix ? postfixAddresses(cfg.postfix.main, cfg.postfix.master) : []), ...(cfg.exim ? eximAddresses(cfg.exim.text) : [])];
  return [...new Set(all.map((a) => hostOf(a.trim())).filter((a) => isIP(a) !== 0))];
}
