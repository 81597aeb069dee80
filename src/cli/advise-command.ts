// `bouncewatch advise`: the recommended config changes for the period, ranked by the NDRs
// they would have prevented, as text for a terminal (strings from the logs made visible) or as JSON.
import type { Command } from 'commander';
import { recommend } from '../advise/recommend.ts';
import type { Recommendation } from '../advise/types.ts';
import { terminalJson, visibleLines } from '../report/terminal-text.ts';
import { periodFlags, withDatabase, withPeriod, withStore, type PeriodOptions, type SharedOptions } from './options.ts';

function text(r: Recommendation, i: number): string {
  const e = r.evidence;
  const lines = [
    `${i + 1}. [${r.severity}] ${r.mta} on ${r.host}: ${r.title}`,
    `   prevents ${r.prevented} NDR(s) in the period; evidence: ${e.messages} message(s), ${e.ndrs} NDR(s), ${e.backscatter} backscatter`,
  ];
  for (const [k, v] of [['lists', e.lists], ['domains', e.domains], ['relays', e.relays], ['aliases', e.aliases], ['clients', e.clients]] as const) {
    if (v && v.length) lines.push(`   ${k}: ${v.join(', ')}`);
  }
  if (e.limit) lines.push(`   downstream limit: ${e.limit}`);
  for (const x of e.examples) lines.push(`   e.g. ${x.host} ${x.queue_id} ${x.recipient === null ? '(address not logged)' : `<${x.recipient}>`}: ${x.reason}`);
  lines.push('   change:', ...r.change.split('\n').map((l) => `     ${l}`));
  lines.push(`   why: ${r.rationale}`, `   read: ${r.docs.join('; ')}`);
  // Examples, domains, relays and aliases (in the change too) come from the logs.
  return visibleLines(lines);
}

export function registerAdvise(program: Command): void {
  withPeriod(withDatabase(program
    .command('advise')
    .description('recommended config changes, ranked by the NDRs they would have prevented')))
    .option('--json', 'print one JSON object')
    .action(async (opts: SharedOptions & PeriodOptions & { json?: boolean }) => {
      const { p, items, listed } = await withStore(opts, async (store) => {
        const { from, to, host } = periodFlags(opts);
        const p = await store.period(from, to, host);
        return { p, items: await recommend(store, p), listed: (await store.blocklistStatus()).filter((r) => r.status === 'listed') };
      });
      if (opts.json) {
        console.log(terminalJson({ from: new Date(p.from).toISOString(), to: new Date(p.to).toISOString(), ...(p.host === undefined ? {} : { host: p.host }), items }));
        return;
      }
      // A listing the blocklist watch found ties back here: what stops the backscatter comes first.
      if (listed.length > 0) {
        console.log(visibleLines([
          ...listed.map((r) => `LISTED: ${r.address} is on ${r.zone} since ${new Date(r.since).toISOString()}${r.meaning ? ` (${r.meaning})` : ''}`),
          ...(items.length > 0 ? ['The changes below stop the backscatter that gets a server listed; ask the lists to delist once it has stopped.', ''] : []),
        ]));
      }
      if (items.length === 0) {
        console.log('No accept-then-bounce in this period: nothing to change.');
        return;
      }
      console.log(items.map(text).join('\n\n'));
    });
}
