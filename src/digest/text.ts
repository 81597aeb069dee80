// The plain-text part: what a terminal mail client (mutt, mail(1)) or a cron mail shows.
// Aligned columns in 78 characters; strings from the logs with control characters made visible.
import { formatChange, formatValue } from './figures.ts';
import { visibleLines } from '../report/terminal-text.ts';
import { formatPeriod, formatTime, isoTime, textBar, textTable, visible, WIDTH, wrap } from './format.ts';
import { hasBlocklists, listAnswer } from './blocklists.ts';
import type { Digest } from './types.ts';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function heading(title: string): string[] {
  return ['', title, '-'.repeat(Math.min(WIDTH, [...title].length))];
}

function figuresPart(d: Digest): string[] {
  const rows = d.figures.map((f) => [f.label, formatValue(f, f.current), formatValue(f, f.previous), formatChange(f)]);
  return textTable([{ head: '' }, { head: `this ${d.label}`, right: true }, { head: 'before', right: true }, { head: 'change' }], rows);
}

function causesPart(d: Digest): string[] {
  if (d.causes.length === 0) return [];
  const max = Math.max(...d.causes.map((c) => Math.max(c.current, c.previous)));
  const rows = d.causes.map((c) => [c.cause, String(c.current), String(c.previous), textBar(c.current, max)]);
  return [
    ...heading('Causes of recipients that failed after accept'),
    ...textTable([{ head: 'cause' }, { head: 'now', right: true }, { head: 'before', right: true }, { head: '' }], rows),
  ];
}

function sourcesPart(d: Digest): string[] {
  const out: string[] = [];
  for (const t of d.sources) {
    if (t.rows.length === 0) continue;
    const texts = t.rows[0]!.cells.length;
    const cols = t.columns.map((head, i) => ({ head, right: i >= texts, untrusted: i < texts }));
    out.push('', `${t.title}:`, ...textTable(cols, t.rows.map((r) => [...r.cells, ...r.numbers.map(String)])));
  }
  return out.length > 0 ? ['', 'Where it comes from', '-------------------', ...out.slice(1)] : [];
}

function findingsPart(d: Digest): string[] {
  if (d.changes.length === 0) return [];
  const rows = d.changes.map((f) => [
    f.status,
    `${f.mta} on ${f.host}`,
    f.title,
    f.status === 'worse' ? `${f.prevented} NDRs (was ${f.previous})` : plural(f.prevented, 'NDR'),
  ]);
  const more = d.changesTotal - d.changes.length;
  return [
    ...heading('New or worse than the period before'),
    ...textTable([{ head: '' }, { head: 'MTA on host' }, { head: 'finding' }, { head: 'would prevent' }], rows),
    ...(more > 0 ? [`  and ${more} more: bouncewatch advise`] : []),
  ];
}

function advicePart(d: Digest): string[] {
  if (d.advice.length === 0) return [];
  const out = heading('What to change (ranked by the NDRs it would have prevented)');
  d.advice.forEach((a, i) => {
    out.push(...wrap(`${a.mta} on ${a.host}: ${a.title}`, `${String(i + 1).padStart(2)}. `, '    '));
    out.push(`    prevents ${plural(a.prevented, 'NDR')}  [${a.severity}]`);
    // Config lines stay whole even when long: they are meant to be copied.
    if (a.change) out.push(`    ${a.change}`);
  });
  return out;
}

function alertsPart(d: Digest): string[] {
  const a = d.alerts;
  if (a.total === 0) return [];
  const out = [
    ...heading('Alerts'),
    `${a.capped ? 'At least ' : ''}${plural(a.total, 'alert')} started in this period.`,
    ...textTable([{ head: 'rule', untrusted: true }, { head: 'started', right: true }], a.byRule.map((r) => [r.rule, String(r.count)])),
    '',
    a.recent.length === a.total ? 'All of them:' : `The newest ${a.recent.length}:`,
  ];
  a.recent.forEach((x, i) => {
    const until = x.resolved_at === null ? 'firing' : `resolved ${formatTime(x.resolved_at)} UTC`;
    out.push(`${String(i + 1).padStart(4)}. [${x.state}] ${x.rule}, started ${formatTime(x.started_at)} UTC, ${until}`);
    // Made visible before wrapping: a line separator in a title is not a place to break it.
    out.push(...wrap(visible(x.title), '      ', '      '));
  });
  const more = a.total - a.recent.length;
  if (more > 0) out.push(`  and ${more} more: bouncewatch alerts --since ${isoTime(d.current.from)} --until ${isoTime(d.current.to)}`);
  return out;
}

// Strings from the lists (reasons, errors) made visible before wrapping, as alert titles are.
function blocklistsPart(d: Digest): string[] {
  const b = d.blocklists;
  if (!hasBlocklists(b)) return [];
  const out = heading('Blocklists');
  if (b.checked > 0 && b.listed.length === 0) out.push(`None of our addresses is listed (${plural(b.checked, 'address and list pair')} checked).`);
  if (b.listed.length > 0) out.push(`${plural(b.listed.length, 'listing')} of our addresses: stop the backscatter first, then ask for delisting.`);
  b.listed.forEach((x, i) => {
    out.push(...wrap(visible(`${x.address} at ${x.zone}, listed since ${formatTime(x.since)} UTC: ` +
      `${plural(x.backscatterBefore, 'backscatter NDR')} in the week before`), `${String(i + 1).padStart(4)}. `, '      '));
    const answer = listAnswer(x.codes, x.meaning);
    if (answer) out.push(...wrap(visible(answer), '      ', '      '));
    for (const r of x.reasons) out.push(...wrap(visible(r), '      ', '      '));
  });
  if (b.failing.length > 0) {
    out.push('', 'Checks that fail (the last known status stays):');
    for (const f of b.failing) out.push(...wrap(visible(`${f.address} at ${f.zone} (${f.status.replace('_', ' ')}): ${f.error}`), '  ', '    '));
  }
  if (b.refusals.length > 0) {
    const rows = b.refusals.map((r) => [r.list, r.domain ?? '(address not logged)', String(r.count)]);
    out.push('', `Our mail refused for a listing in this period: ${plural(b.refusalsTotal, 'refusal')}`,
      ...textTable([{ head: 'list', untrusted: true }, { head: 'destination domain', untrusted: true }, { head: 'refused', right: true }], rows));
    const more = b.refusalRows - b.refusals.length;
    if (more > 0) out.push(`  and ${more} more lists and domains`);
  }
  return out;
}

export function renderText(d: Digest): string {
  const lines = [
    d.subject,
    '',
    `This period  ${formatPeriod(d.current)}  (${d.label})`,
    `Before it    ${formatPeriod(d.previous)}`,
    '',
    ...figuresPart(d),
    ...alertsPart(d),
    ...blocklistsPart(d),
    ...causesPart(d),
    ...sourcesPart(d),
    ...findingsPart(d),
    ...advicePart(d),
  ];
  const quiet = d.causes.every((c) => c.current === 0) && d.advice.length === 0;
  if (quiet) lines.push('', 'No mail was bounced after being accepted in this period: nothing to change.');
  const host = d.current.host === undefined ? '' : ` --host ${d.current.host}`;
  lines.push('', 'Details:', `  bouncewatch advise --since ${isoTime(d.current.from)} --until ${isoTime(d.current.to)}${host}`);
  // Unindented: a long link should not wrap in a mail client, or it stops working.
  if (d.dashboard) lines.push('', 'Dashboard:', d.dashboard);
  lines.push('', '-- ', 'bouncewatch digest');
  // Every line made visible, not only the table cells from the logs: a change names relays and
  // aliases from the logs too. Cells made visible before the layout stay as they are.
  return `${visibleLines(lines)}\n`;
}
