// The human text of `bouncewatch report`: what a postmaster reads first.
import type { RejectCause } from '../report/listings.ts';
import type { Summary } from '../report/summary.ts';
import { visibleLines } from '../report/terminal-text.ts';
import type { HostTotals } from '../store/types.ts';

/** The hosts a report covers: the one asked for (--host), or the split of a fleet (more than one). */
export interface ReportHosts {
  host?: string | undefined;
  split?: HostTotals[];
}

const pct = (n: number, of: number) => (of === 0 ? '-' : `${((100 * n) / of).toFixed(1)}%`);

export function formatReport(s: Summary, rejects: RejectCause[] = [], hosts: ReportHosts = {}): string {
  const out: string[] = [];
  out.push(`bouncewatch report ${s.from} .. ${s.to}${hosts.host === undefined ? '' : ` on ${hosts.host}`}`);
  out.push('');
  out.push(`  accepted (SMTP)            ${s.accepted}   of which from remote clients ${s.accepted_remote}`);
  out.push(`  rejected at SMTP time      ${s.rejected_at_smtp}`);
  out.push(`  delivered                  ${s.delivered}`);
  out.push(`  still deferred             ${s.deferred}`);
  out.push(`  bounced after accept       ${s.bounced_after_accept}   (${pct(s.bounced_after_accept, s.accepted)} of accepted)`);
  out.push(`  NDRs generated             ${s.ndrs}`);
  out.push(`  backscatter                ${s.backscatter}   messages, ${s.backscatter_ndrs} NDR(s) to forged senders`);
  if (s.backscatter_delay_warnings > 0) out.push(`  delay warnings to forged senders ${s.backscatter_delay_warnings}   (milder backscatter)`);
  const causes = Object.entries(s.causes);
  if (causes.length > 0) {
    out.push('');
    out.push('  failed recipients by cause:');
    for (const [c, n] of causes) out.push(`    ${c.padEnd(22)} ${n}`);
  }
  if (rejects.length > 0) {
    // The good path, by cause: `listed` is a blocklist this server uses at work, not a problem.
    out.push('');
    out.push('  rejected at SMTP time by cause:');
    for (const r of rejects) {
      const lists = r.lists?.length ? `   (${r.lists.slice(0, 5).map((l) => `${l.list} ${l.count}`).join(', ')})` : '';
      out.push(`    ${r.cause.padEnd(22)} ${r.count}${lists}`);
    }
  }
  if (hosts.split && hosts.split.length > 1) {
    // A fleet: each host's share (report --host HOST for one alone).
    out.push('');
    out.push('  by host:                   accepted  rejected  bounced  NDRs  backscatter');
    for (const h of hosts.split) {
      const n = [h.accepted, h.rejected_at_smtp, h.bounced_after_accept, h.ndrs, h.backscatter].map((v, i) => String(v).padStart([10, 10, 9, 6, 13][i]!));
      out.push(`    ${`${h.host} (${h.mtas.join(', ')})`.padEnd(22)} ${n.join('')}`);
    }
  }
  const fates = Object.entries(s.backscatter_fates);
  if (fates.length > 0) {
    out.push('');
    out.push('  what became of the backscatter NDRs:');
    for (const [f, n] of fates) out.push(`    ${f.padEnd(22)} ${n}`);
  }
  out.push('');
  out.push(
    `  log lines: ${s.lines.total} (${s.lines.mail} mail, ${s.lines.unknown} not understood, ${s.lines.other} other programs)`,
  );
  if (s.backscatter > 0) {
    out.push('');
    out.push('  This server sends backscatter. List it with: bouncewatch messages --backscatter');
  } else if (s.bounced_after_accept === 0 && s.accepted > 0) {
    out.push('');
    out.push('  No accept-then-bounce in this period.');
  }
  return visibleLines(out);
}
