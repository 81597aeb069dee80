// The human text of `bouncewatch report`: what a postmaster reads first.
import type { RejectCause } from '../report/listings.ts';
import type { Summary } from '../report/summary.ts';
import { visibleLines } from '../report/terminal-text.ts';

const pct = (n: number, of: number) => (of === 0 ? '-' : `${((100 * n) / of).toFixed(1)}%`);

export function formatReport(s: Summary, rejects: RejectCause[] = []): string {
  const out: string[] = [];
  out.push(`bouncewatch report ${s.from} .. ${s.to}`);
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
