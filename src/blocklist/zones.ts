// What the lists we know say with their return codes, and how to get off them. A zone may borrow
// a known list's meanings (`like`), so a mirror, a paid feed (Spamhaus DQS) or a test zone reads
// its answers the way the real list means them.

export interface CodeMeaning {
  meaning: string;
  /** The list declined to answer (public resolver, quota, bad key); not a listing. */
  refused?: boolean;
}

export interface ListInfo {
  zone: string;
  name: string;
  description: string;
  delistUrl: string | null;
  /** Return code (an A record) → its meaning on this list. */
  codes: Readonly<Record<string, CodeMeaning>>;
  /** How the list must be queried, when it matters (registration, resolver). */
  note: string | null;
}

export interface ZoneSpec {
  zone: string;
  /** A known zone whose codes, description and delisting page this zone shares. */
  like?: string;
}

// dnsbl.sorbs.net is left out: SORBS was shut down in 2024 and its zones no longer answer.
const KNOWN: readonly ListInfo[] = [
  {
    zone: 'ips.backscatterer.org',
    name: 'Backscatterer',
    description: 'Lists servers that send bounces or auto-replies to forged senders (backscatter).',
    delistUrl: 'https://www.backscatterer.org/?target=test',
    codes: { '127.0.0.2': { meaning: 'sends backscatter: bounces or auto-replies to forged senders' } },
    note: 'entries expire about four weeks after the last backscatter; stop the bounces first',
  },
  {
    zone: 'zen.spamhaus.org',
    name: 'Spamhaus ZEN',
    description: 'Spamhaus SBL, CSS, XBL and PBL in one zone.',
    delistUrl: 'https://check.spamhaus.org/',
    codes: {
      '127.0.0.2': { meaning: 'SBL: spam source or spam operation' },
      '127.0.0.3': { meaning: 'SBL CSS: low-reputation or snowshoe sending' },
      '127.0.0.4': { meaning: 'XBL: compromised host (botnet, open proxy, exploited)' },
      '127.0.0.5': { meaning: 'XBL: compromised host' },
      '127.0.0.6': { meaning: 'XBL: compromised host' },
      '127.0.0.7': { meaning: 'XBL: compromised host' },
      '127.0.0.9': { meaning: 'SBL DROP/EDROP: hijacked or criminal netblock' },
      // A mail server in an end-user range is a policy matter, not an abuse report.
      '127.0.0.10': { meaning: 'PBL (ISP): policy: end-user range that should not send mail directly' },
      '127.0.0.11': { meaning: 'PBL (Spamhaus): policy: end-user range that should not send mail directly' },
      '127.255.255.252': { meaning: 'query refused: typing error in the DQS key', refused: true },
      '127.255.255.254': { meaning: 'query refused: sent through a public or open resolver', refused: true },
      '127.255.255.255': { meaning: 'query refused: excessive number of queries', refused: true },
    },
    note: 'free use only through your own resolver, under the fair-use volume; public resolvers are refused',
  },
  {
    zone: 'bl.spamcop.net',
    name: 'SpamCop',
    description: 'Lists sources reported by SpamCop users; entries expire 24 hours after the reports stop.',
    delistUrl: 'https://www.spamcop.net/bl.shtml',
    codes: { '127.0.0.2': { meaning: 'reported as a spam source by SpamCop users' } },
    note: null,
  },
  {
    zone: 'b.barracudacentral.org',
    name: 'Barracuda BRBL',
    description: 'Barracuda Reputation Block List: senders with poor reputation.',
    delistUrl: 'https://www.barracudacentral.org/rbl/removal-request',
    codes: { '127.0.0.2': { meaning: 'poor sending reputation (Barracuda)' } },
    note: 'answers only resolvers whose address is registered (free) at barracudacentral.org',
  },
  {
    zone: 'psbl.surriel.com',
    name: 'PSBL',
    description: 'Passive Spam Block List: sources that sent mail to its spam traps.',
    delistUrl: 'https://psbl.org/remove',
    codes: { '127.0.0.2': { meaning: 'sent mail to PSBL spam traps' } },
    note: null,
  },
];

const BY_ZONE = new Map(KNOWN.map((l) => [l.zone, l]));

export const normalizeZone = (zone: string) => zone.replace(/^\.+|\.+$/g, '').toLowerCase();

export const knownLists = (): readonly ListInfo[] => KNOWN;

/** The list behind a zone: known, borrowed with `like`, or unknown (any 127.x answer = listed). */
export function listInfo(spec: string | ZoneSpec): ListInfo {
  const { zone, like } = typeof spec === 'string' ? { zone: spec, like: undefined } : spec;
  const z = normalizeZone(zone);
  if (like !== undefined) {
    const base = BY_ZONE.get(normalizeZone(like));
    if (!base) throw new Error(`blocklist zone ${z}: like '${like}' is not a known list (known: ${KNOWN.map((l) => l.zone).join(', ')})`);
    return { ...base, zone: z };
  }
  return BY_ZONE.get(z) ?? { zone: z, name: z, description: 'unknown list: any 127.x answer counts as listed', delistUrl: null, codes: {}, note: null };
}

/** What a list documents for a return code, or null when it documents nothing for it. */
export const codeMeaning = (list: ListInfo, code: string): CodeMeaning | null => list.codes[code] ?? null;
