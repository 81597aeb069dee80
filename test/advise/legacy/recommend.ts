// Reference for test/store/rollups.test.ts: the recommendations as computed before the advice rollups
// (every failed recipient in JavaScript), kept verbatim from the commit before migration 0005,
// but for one change of issue 16: recommendations per MTA host (one config per host).
// From the evidence of a period to recommendations, ranked by the NDRs they would have
// prevented. Used by `bouncewatch advise`, /api/recommendations and the digest.
import type { Db } from '../../../src/store/sqlite/db.ts';
import type { Period } from '../../../src/store/types.ts';
import { CHANGES } from '../../../src/advise/changes.ts';
import { domainOf, downstream, failedRecipients, scanSuspects, sizeLimit, tally, top, type FailedRcpt } from './findings.ts';
import { RULES } from '../../../src/advise/rules.ts';
import type { Mta, Recommendation, Severity } from '../../../src/advise/types.ts';

/**
 * Which failed recipients a rule is about, as each rule's `about` said before the SQL rule
 * (ADVICE_RULE) became the only one: this oracle keeps its own word for it.
 */
const about = (rule: (typeof RULES)[number]) => (r: FailedRcpt) =>
  rule.id === 'unknown_local' ? r.cause === 'unknown_recipient' && downstream(r.relay) === undefined
    : rule.id === 'unknown_relay' ? r.cause === 'unknown_recipient' && downstream(r.relay) !== undefined
      : r.cause === rule.cause;

const domainsOf = (rcpts: FailedRcpt[]) => rcpts.flatMap((r) => (r.address === null ? [] : [domainOf(r.address)]));

function severity(backscatter: number, ndrs: number): Severity {
  if (backscatter >= 20) return 'critical';
  if (backscatter > 0) return 'high';
  return ndrs > 0 ? 'medium' : 'low';
}

const filterFor = (cause: string, mta: Mta, host: string) => new URLSearchParams({ cause, mta, host }).toString();

function fromRule(mta: Mta, host: string, rule: (typeof RULES)[number], rcpts: FailedRcpt[]): Recommendation {
  const t = tally(rcpts);
  const relays = top(rcpts.map((r) => downstream(r.relay)?.replace(/:\d+$/, '')));
  const aliases = top(rcpts.map((r) => r.orig_address));
  const limit = rule.id === 'message_too_large' ? sizeLimit(rcpts.map((r) => r.reason)) : undefined;
  return {
    id: `${mta}.${rule.id}`,
    mta,
    host,
    cause: rule.cause as Recommendation['cause'],
    title: rule.title(mta),
    severity: severity(t.backscatter, t.ndrs),
    change: CHANGES[rule.id]![mta]({ relays, aliases, ...(limit !== undefined ? { limit } : {}) }),
    rationale: rule.rationale,
    evidence: {
      messages: t.messages, ndrs: t.ndrs, backscatter: t.backscatter, examples: t.examples,
      domains: top(domainsOf(rcpts)), recipients: top(rcpts.map((r) => r.address.toLowerCase())),
      ...(relays.length ? { relays } : {}), ...(aliases.length ? { aliases } : {}),
      ...(limit !== undefined ? { limit: `${limit} bytes` } : {}),
    },
    prevented: t.ndrs,
    docs: rule.docs[mta],
    filter: filterFor(rule.cause, mta, host),
  };
}

/** Rejecting unknown users at RCPT time must come with a guard against dictionary scans. */
function scanGuard(db: Db, p: Period, host: string, mta: Mta): Recommendation {
  const suspects = scanSuspects(db, { ...p, host }, mta);
  return {
    id: `${mta}.dictionary_scan`,
    mta,
    host,
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
    filter: suspects[0] ? new URLSearchParams({ client_ip: suspects[0].client_ip, host }).toString() : '',
  };
}

export function recommend(db: Db, p: Period): Recommendation[] {
  const failed = failedRecipients(db, p);
  const out: Recommendation[] = [];
  for (const host of new Set(failed.map((r) => r.host))) {
    for (const mta of ['postfix', 'exim'] as const) {
      const mine = failed.filter((r) => r.mta === mta && r.host === host);
      for (const rule of RULES) {
        const rcpts = mine.filter(about(rule));
        if (rcpts.length > 0) out.push(fromRule(mta, host, rule, rcpts));
      }
      if (out.some((r) => r.mta === mta && r.host === host && r.cause === 'unknown_recipient')) out.push(scanGuard(db, p, host, mta));
    }
  }
  return out.sort((a, b) => b.prevented - a.prevented || b.evidence.backscatter - a.evidence.backscatter || a.id.localeCompare(b.id)
    || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}
