// One lookup of one address in one list: the A query says whether and why it is listed, the TXT
// query (only for a listing) gives the list's own words. Turns DNS failures and the lists'
// "we refuse to answer you" codes into a status, never into an exception.
import type { promises as dns } from 'node:dns';
import { queryName } from './query-name.ts';
import { codeMeaning, listInfo, type ListInfo, type ZoneSpec } from './zones.ts';

export type CheckStatus = 'listed' | 'not_listed' | 'error' | 'refused';

export interface CheckResult {
  address: string;
  zone: string;
  status: CheckStatus;
  /** The A records of the answer, e.g. 127.0.0.2. */
  codes: string[];
  /** The TXT records of a listing, trimmed and capped. */
  reasons: string[];
  /** What the list documents for the codes, when it does. */
  meaning: string | null;
  /** Seconds the result may be reused: the answer's TTL, bounded. */
  ttl: number;
  error?: string;
}

/** The part of node's dns.promises.Resolver a check uses. */
export type DnsResolver = Pick<dns.Resolver, 'resolve4' | 'resolveTxt'>;

export interface TtlBounds {
  minTtl: number;
  maxTtl: number;
  /** For answers that carry no TTL we can read: NXDOMAIN, errors, refusals. */
  negativeTtl: number;
}

export const DEFAULT_TTLS: TtlBounds = { minTtl: 300, maxTtl: 21_600, negativeTtl: 900 };
export const MAX_REASON_LENGTH = 300;
const MAX_REASONS = 5;

const REFUSED_ADVICE =
  'some lists refuse queries that come through public resolvers (8.8.8.8, 1.1.1.1 and the like) or exceed their free volume: configure a local resolver (for example unbound on this host) in the blocklist resolvers setting';

// NXDOMAIN and "no A record" both say: not on the list.
const NOT_LISTED = new Set(['ENOTFOUND', 'ENODATA']);

const clamp = (ttl: number, b: TtlBounds) => Math.min(b.maxTtl, Math.max(b.minTtl, ttl));

// node hands TXT strings over byte for byte as Latin-1; the lists (and hostile ones) write UTF-8.
const utf8 = (s: string) => Buffer.from(s, 'latin1').toString('utf8');

function reasonsOf(txt: string[][]): string[] {
  return txt
    .map((chunks) => utf8(chunks.join('')).trim())
    .filter((r) => r !== '')
    .slice(0, MAX_REASONS)
    .map((r) => (r.length > MAX_REASON_LENGTH ? `${r.slice(0, MAX_REASON_LENGTH - 1)}…` : r));
}

/** The status the codes carry on this list, and the error text when they are not a listing. */
function judge(list: ListInfo, codes: string[]): { status: CheckStatus; meaning: string | null; error?: string } {
  const meanings = codes.map((c) => codeMeaning(list, c)).filter((m) => m !== null);
  const meaning = meanings.length > 0 ? [...new Set(meanings.map((m) => m.meaning))].join('; ') : null;
  // A DNSBL answers inside 127.0.0.0/8 (RFC 5782); anything else is a resolver that rewrites
  // NXDOMAIN (ISP "search" pages) or a list that is gone, and must not read as a listing.
  const outside = codes.filter((c) => !c.startsWith('127.'));
  if (outside.length > 0) {
    return { status: 'error', meaning, error: `answer ${outside.join(', ')} is outside 127.0.0.0/8: the resolver rewrites answers or ${list.zone} is not a working list` };
  }
  if (meanings.some((m) => m.refused)) return { status: 'refused', meaning, error: `${list.zone} refused the query (${codes.join(', ')}: ${meaning}); ${REFUSED_ADVICE}` };
  return { status: 'listed', meaning };
}

async function reasons(resolver: DnsResolver, name: string): Promise<string[]> {
  try {
    return reasonsOf(await resolver.resolveTxt(name));
  } catch {
    return []; // many lists publish no TXT; the codes already say it is listed
  }
}

export async function checkAddress(
  resolver: DnsResolver,
  address: string,
  zone: string | ZoneSpec,
  ttls: TtlBounds = DEFAULT_TTLS,
): Promise<CheckResult> {
  const list = listInfo(zone);
  const base = { address, zone: list.zone, codes: [] as string[], reasons: [] as string[], meaning: null };
  const name = queryName(address, list.zone);
  let answer: { address: string; ttl: number }[];
  try {
    answer = await resolver.resolve4(name, { ttl: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
    if (NOT_LISTED.has(code)) return { ...base, status: 'not_listed', ttl: clamp(ttls.negativeTtl, ttls) };
    return { ...base, status: 'error', ttl: clamp(ttls.negativeTtl, ttls), error: `${code}: ${name}: ${(e as Error).message}` };
  }
  if (answer.length === 0) return { ...base, status: 'not_listed', ttl: clamp(ttls.negativeTtl, ttls) };
  const codes = [...new Set(answer.map((a) => a.address))].sort();
  const ttl = clamp(Math.min(...answer.map((a) => a.ttl)), ttls);
  const verdict = judge(list, codes);
  if (verdict.status !== 'listed') return { ...base, codes, ttl: clamp(ttls.negativeTtl, ttls), ...verdict };
  return { ...base, codes, ttl, status: 'listed', meaning: verdict.meaning, reasons: await reasons(resolver, name) };
}
