// The audit as text for a terminal: per MTA, findings by severity, each with what is wrong,
// the exact lines that fix it, and the log evidence for its cause when there is a database.
// Every line is made visible: examples come from the logs, names from the configuration.
import { visibleLines } from '../../report/terminal-text.ts';
import type { AuditEvidence, AuditResult, Finding } from './types.ts';

function wrap(text: string, indent: string, width = 96): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      out.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') out.push(indent + line);
  return out;
}

function evidence(f: Finding, e: AuditEvidence): string[] {
  if (f.cause === 'dictionary_scan') {
    return [
      `    evidence: ${e.rejects ?? 0} unknown-recipient reject(s) at SMTP time in the period`,
      ...(e.clients ?? []).map((c) => `      ${c}`),
    ];
  }
  return [
    `    evidence (${f.cause}${f.domains ? ` at ${f.domains.join(', ')}` : ''}, all ${f.mta} listeners): ${e.failed_recipients} failed recipient(s) in ${e.messages} accepted message(s), ` +
      `${e.ndrs} NDR(s), ${e.backscatter} backscatter`,
    ...e.examples.map((x) => `      e.g. ${x.host} ${x.queue_id} ${x.recipient === null ? '(address not logged)' : `<${x.recipient}>`}: ${x.reason}`),
  ];
}

function finding(f: Finding): string[] {
  return [
    `  [${f.severity}] ${f.setting} in ${f.where} (${f.id}, leads to ${f.cause})`,
    ...(f.applies_to.length > 0 ? [`    applies to: ${f.applies_to.join(', ')}`] : []),
    ...wrap(f.problem, '    '),
    '    fix:',
    ...f.fix.split('\n').map((l) => `      ${l}`),
    ...(f.evidence ? evidence(f, f.evidence) : []),
    `    read: ${f.docs.join('; ')}`,
  ];
}

export function formatAudit(r: AuditResult): string {
  const out: string[] = [];
  for (const [name, key] of [['Postfix', 'postfix'], ['Exim', 'exim']] as const) {
    const source = r.sources[key];
    if (source === null) continue;
    const list = r[key];
    out.push(`${name} (${source}): ${list.length === 0 ? 'no risky setting found' : `${list.length} finding(s)`}`);
    for (const f of list) out.push('', ...finding(f));
    out.push('');
  }
  out.push(r.evidence_period ? `Evidence period: ${r.evidence_period.from} to ${r.evidence_period.to}.` : 'No database: findings without log evidence (use --db).');
  return visibleLines(out);
}
