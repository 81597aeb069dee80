// The alert rules: what holds in a window of log time, read from the store. Each returns the
// conditions that hold now; the engine (engine.ts) opens an alert for a new one and resolves
// a firing one that no longer holds.
import type { AlertRuleName } from '../config/schema.ts';
import type { Store } from '../store/store.ts';
import type { Period } from '../store/types.ts';
import type { NewSources, SourceCount } from './new-sources.ts';
import type { AlertEvidence, Condition, Part } from './types.ts';

export interface RuleSettings {
  rules: readonly AlertRuleName[];
  windowMs: number;
  backscatterNdrs: number;
  backscatterPercent: number;
  newSourceNdrs: number;
  newSourceDays: number;
  scanRejects: number;
  refusedNdrs: number;
}

const pct = (n: number, of: number) => (of === 0 ? 0 : Math.round((1000 * n) / of) / 10);
const minutes = (s: RuleSettings) => `${Math.round(s.windowMs / 60_000)} min`;

function evidence(w: Period, page: AlertEvidence['page'], filter: Record<string, string>, title: Part[], facts: Part[][]): AlertEvidence {
  return { from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString(), page, filter, title_parts: title, facts };
}

function condition(c: Omit<Condition, 'evidence'>, w: Period, page: AlertEvidence['page'], filter: Record<string, string>): Condition {
  return { ...c, evidence: evidence(w, page, filter, c.title, c.facts) };
}

/** Backscatter NDRs on one host over a count and a share of the messages it accepted. */
async function backscatter(store: Store, w: Period, s: RuleSettings): Promise<Condition[]> {
  const out: Condition[] = [];
  for (const h of await store.hostTotals(w)) {
    const share = pct(h.backscatter, h.accepted);
    if (h.backscatter_ndrs < s.backscatterNdrs || share < s.backscatterPercent) continue;
    const title: Part[] = ['Backscatter on ', { v: h.host }, `: ${h.backscatter_ndrs} NDRs to forged senders in the last ${minutes(s)}`,
      ` (${share}% of ${h.accepted} accepted messages)`];
    out.push(condition({
      rule: 'backscatter', key: h.host, host: h.host, value: h.backscatter_ndrs, threshold: s.backscatterNdrs, title,
      facts: [
        [`Accepted: ${h.accepted}; bounced after accept: ${h.bounced_after_accept}; backscatter messages: ${h.backscatter} (${share}%).`],
        [`Thresholds: ${s.backscatterNdrs} NDRs and ${s.backscatterPercent}% of accepted in ${minutes(s)}.`],
      ],
    }, w, 'messages.html', { backscatter: '1', host: h.host }));
  }
  return out;
}

/** Backscatter NDRs that the forged senders' servers refused (fate rejected): they push back. */
async function refusedNdrs(store: Store, w: Period, s: RuleSettings): Promise<Condition[]> {
  const out: Condition[] = [];
  for (const host of await store.hosts(w)) {
    const fates = await store.backscatterFates({ ...w, host });
    const refused = fates.rejected ?? 0;
    if (refused < s.refusedNdrs) continue;
    out.push(condition({
      rule: 'refused_ndrs', key: host, host, value: refused, threshold: s.refusedNdrs,
      title: ['NDRs refused: ', { v: host }, `'s backscatter was refused ${refused} times by the forged senders' servers in the last ${minutes(s)}`],
      facts: [[`Backscatter NDRs by fate: ${Object.entries(fates).map(([f, n]) => `${f} ${n}`).join(', ')}.`],
        ['Servers that refuse NDRs often check a backscatter blocklist: see whether this server is listed.']],
    }, w, 'messages.html', { backscatter: '1', host }));
  }
  return out;
}

/** Clients that collected many unknown-recipient rejects: a dictionary scan. */
async function scans(store: Store, w: Period, s: RuleSettings): Promise<Condition[]> {
  const rows = (await store.sources(w, 'scanner', 50)) as { client_ip: string; client_name: string | null; rejects: number; unknown_recipient: number }[];
  return rows.filter((r) => r.unknown_recipient >= s.scanRejects).map((r) => condition({
    rule: 'scan', key: r.client_ip, host: null, value: r.unknown_recipient, threshold: s.scanRejects,
    title: ['Dictionary scan from ', { v: r.client_ip }, ...(r.client_name ? [' (', { v: r.client_name }, ')'] : []),
      `: ${r.unknown_recipient} unknown-recipient rejects in the last ${minutes(s)}`],
    facts: [[`Rejects of this client in the window: ${r.rejects}. Rejected at SMTP time, they make no backscatter;`,
      ' the same addresses accepted and bounced later would.']],
  }, w, 'sources.html', {}));
}

const KIND_WORDS: Record<SourceCount['kind'], string> = { client: 'client network', domain: 'local domain', recipient: 'recipient' };

/** A client network, local domain or recipient that starts producing backscatter. */
function newSources(counts: SourceCount[], sources: NewSources, w: Period, s: RuleSettings): Condition[] {
  return counts.filter((c) => c.ndrs >= s.newSourceNdrs && sources.isNew(c, w.from)).map((c) => condition({
    rule: 'new_source', key: `${c.kind}:${c.value}`, host: null, value: c.ndrs, threshold: s.newSourceNdrs,
    title: [`New backscatter source, ${KIND_WORDS[c.kind]} `, { v: c.value },
      `: ${c.ndrs} NDRs to forged senders in the last ${minutes(s)}, none in the ${s.newSourceDays} days before`],
    facts: [[`Messages: ${c.messages}.`]],
  }, w, 'messages.html', { backscatter: '1', ...c.filter }));
}

const WEEK = 7 * 86_400_000;

/**
 * One of our addresses on a DNSBL (the blocklist watch's last known status): fires on a new
 * listing, resolves on the delisting. Its evidence is the backscatter of the week before the
 * listing, which is what most listings at a backscatter list come from.
 */
async function listed(store: Store): Promise<Condition[]> {
  const out: Condition[] = [];
  for (const r of await store.blocklistStatus()) {
    if (r.status !== 'listed') continue;
    const before = { from: r.since - WEEK, to: r.since };
    const c = await store.counters(before);
    const facts: Part[][] = [[`Listed since ${new Date(r.since).toISOString()}; the list answered ${r.codes.join(', ') || '(no code)'}`,
      ...(r.meaning ? [' (', { v: r.meaning }, ')'] : []), '.']];
    for (const reason of r.reasons.slice(0, 3)) facts.push(['The list says: ', { v: reason }]);
    facts.push([`In the week before the listing: ${c.backscatter_ndrs} backscatter NDRs from ${c.accepted} accepted messages.`,
      c.backscatter_ndrs > 0 ? ' Stop the backscatter first (Recommendations, `bouncewatch advise`), then ask the list to delist.' : '']);
    out.push(condition({
      rule: 'listed', key: `${r.address} ${r.zone}`, host: null, value: 1, threshold: 1,
      title: ['Listed: ', { v: r.address }, ' is on ', { v: r.zone }], facts,
    }, before, 'messages.html', { backscatter: '1' }));
  }
  return out;
}

/**
 * Every enabled rule over the window, and the source counts the new-source rule saw (the engine
 * resolves a new-source alert when its count falls under the threshold, new or not).
 */
export async function evaluateRules(store: Store, w: Period, s: RuleSettings, sources: NewSources): Promise<{ conditions: Condition[]; counts: Map<string, number> }> {
  const on = new Set(s.rules);
  const conditions: Condition[] = [];
  if (on.has('backscatter')) conditions.push(...await backscatter(store, w, s));
  if (on.has('refused_ndrs')) conditions.push(...await refusedNdrs(store, w, s));
  if (on.has('scan')) conditions.push(...await scans(store, w, s));
  if (on.has('listed')) conditions.push(...await listed(store));
  const counts = new Map<string, number>();
  if (on.has('new_source')) {
    const found = await sources.window(store, w);
    for (const c of found) counts.set(`${c.kind}:${c.value}`, c.ndrs);
    if (sources.ready) conditions.push(...newSources(found, sources, w, s));
  }
  return { conditions, counts };
}
