// From the evidence of a period to recommendations, ranked by the NDRs they would have
// prevented; one set per MTA host, since each host has its own config. Used by `bouncewatch advise`, /api/recommendations and the digest.
import type { Store } from '../store/store.ts';
import type { AdviceGroup as Group, Period } from '../store/types.ts';
import { CHANGES } from './changes.ts';
import { listsRefusingUs } from '../report/listings.ts';
import { RULES } from './rules.ts';
import type { Mta, Recommendation, Severity } from './types.ts';

function severity(backscatter: number, ndrs: number): Severity {
  if (backscatter >= 20) return 'critical';
  if (backscatter > 0) return 'high';
  return ndrs > 0 ? 'medium' : 'low';
}

const filterFor = (cause: string, mta: Mta, host: string) => new URLSearchParams({ cause, mta, host }).toString();

function fromRule(rule: (typeof RULES)[number], g: Group, lists?: string[]): Recommendation {
  const mta = g.mta;
  const limit = rule.id === 'message_too_large' ? (g.size_limit ?? undefined) : undefined;
  const { relays, aliases } = g;
  const computed = severity(g.backscatter, g.ndrs);
  return {
    id: `${mta}.${rule.id}`,
    mta,
    host: g.host,
    cause: rule.cause as Recommendation['cause'],
    title: rule.title(mta),
    // Listed, this server's own mail is refused: at least high, whatever the NDR count.
    severity: rule.id === 'listed' && (computed === 'medium' || computed === 'low') ? 'high' : computed,
    change: CHANGES[rule.id]![mta]({ relays, aliases, ...(limit !== undefined ? { limit } : {}), ...(lists ? { lists } : {}) }),
    rationale: rule.rationale,
    evidence: {
      messages: g.messages, ndrs: g.ndrs, backscatter: g.backscatter, examples: g.examples,
      domains: g.domains, recipients: g.recipients,
      ...(relays.length ? { relays } : {}), ...(aliases.length ? { aliases } : {}),
      ...(limit !== undefined ? { limit: `${limit} bytes` } : {}),
      ...(lists?.length ? { lists } : {}),
    },
    prevented: g.ndrs,
    docs: rule.docs[mta],
    filter: filterFor(rule.cause, mta, g.host),
  };
}

/** Rejecting unknown users at RCPT time must come with a guard against dictionary scans (`p`: one host's). */
async function scanGuard(store: Store, p: Period & { host: string }, mta: Mta): Promise<Recommendation> {
  const suspects = await store.scanSuspects(p, mta);
  return {
    id: `${mta}.dictionary_scan`,
    mta,
    host: p.host,
    cause: 'dictionary_scan',
    title: 'Slow down clients that probe for valid addresses',
    severity: suspects.length > 0 ? 'medium' : 'low',
    change: CHANGES.dictionary_scan![mta]({ relays: [], aliases: [] }),
    rationale:
      'Rejecting unknown recipients during SMTP tells a spammer which addresses exist. Rate limits and error limits make a dictionary scan slow and costly, without going back to accept-then-bounce. Never answer with sender callouts or by discarding bounces.',
    evidence: {
      messages: 0, ndrs: 0, backscatter: 0, examples: [],
      clients: suspects.map((s) => `${s.client_name ?? 'unknown'}[${s.client_ip}] ${s.unknown_recipient} unknown-recipient rejects`),
    },
    prevented: 0,
    docs: mta === 'postfix' ? ['postconf(5): smtpd_soft_error_limit', 'anvil(8)', 'POSTSCREEN_README'] : ['Exim spec: $rcpt_fail_count', 'Exim spec: ratelimit'],
    filter: suspects[0] ? new URLSearchParams({ client_ip: suspects[0].client_ip, host: p.host }).toString() : '',
  };
}

const emptyGroup = (mta: Mta, host: string, rule: string): Group => ({
  mta, host, rule, messages: 0, ndrs: 0, backscatter: 0, size_limit: null, examples: [], domains: [], recipients: [], relays: [], aliases: [],
});

/** A listing's remedy starts with the recommendations that stop backscatter: name them. */
function pointListingAtBackscatter(out: Recommendation[]): void {
  for (const listed of out.filter((r) => r.cause === 'listed')) {
    const first = out.filter((r) => r.mta === listed.mta && r.host === listed.host && r.evidence.backscatter > 0 && r !== listed);
    if (first.length === 0) continue;
    listed.change += `\n# backscatter to stop first, here: ${first.map((r) => `${r.id} (${r.evidence.backscatter} backscatter)`).join(', ')}`;
  }
}

const key = (mta: Mta, host: string, rule: string) => JSON.stringify([mta, host, rule]);

/** Each host's recommendations (the period's host only, when it names one), most NDRs prevented first. */
export async function recommend(store: Store, p: Period): Promise<Recommendation[]> {
  const groups = new Map((await store.adviceGroups(p)).map((g) => [key(g.mta, g.host, g.rule), g]));
  const out: Recommendation[] = [];
  for (const host of p.host !== undefined ? [p.host] : await store.hosts(p)) {
    const hp = { ...p, host };
    for (const mta of ['postfix', 'exim'] as const) {
      for (const rule of RULES) {
        const lists = rule.id === 'listed' ? await listsRefusingUs(store, hp, mta) : [];
        // Listed with only our NDRs refused (no recipient): still a finding, with no message behind it.
        const g = groups.get(key(mta, host, rule.id)) ?? (lists.length > 0 ? emptyGroup(mta, host, rule.id) : undefined);
        if (g) out.push(fromRule(rule, g, rule.id === 'listed' ? lists.map((l) => `${l.list} (${l.count})`) : undefined));
      }
      if (out.some((r) => r.mta === mta && r.host === host && r.cause === 'unknown_recipient')) out.push(await scanGuard(store, hp, mta));
    }
  }
  pointListingAtBackscatter(out);
  return out.sort((a, b) => b.prevented - a.prevented || b.evidence.backscatter - a.evidence.backscatter || a.id.localeCompare(b.id)
    || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}
