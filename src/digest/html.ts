// The HTML part: tables and CSS bars, inline styles only (mail clients drop <style> and
// block remote content), no script, no image, no link but the dashboard's. Every string is
// escaped; figures carry data-k/data-p attributes so tests (and scripts) can read them back.
import { better, formatChange, formatValue, worse } from './figures.ts';
import { barPercent, formatPeriod, formatTime, html } from './format.ts';
import { hasBlocklists, listAnswer } from './blocklists.ts';
import type { Digest, Figure, SourceTable } from './types.ts';

const C = { text: '#1f2328', muted: '#59636e', line: '#d1d9e0', bar: '#c2410c', barBefore: '#b6c2cf', track: '#eef1f4', bad: '#b42318', good: '#067647' };
const FONT = "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif";
const MONO = "font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace";
const TH = `text-align:left;padding:4px 8px;border-bottom:1px solid ${C.line};color:${C.muted};font-weight:600;font-size:12px`;
const WRAP = 'overflow-wrap:anywhere;word-break:break-word';
const TD = `padding:4px 8px;border-bottom:1px solid ${C.line};vertical-align:top`;
const NUM = `${TD};text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums`;

const h2 = (title: string) => `<h2 style="font-size:15px;margin:24px 0 8px 0;color:${C.text}">${html(title)}</h2>`;
const table = (head: string, body: string) =>
  `<table role="presentation" cellspacing="0" cellpadding="0" style="border-collapse:collapse;width:100%;font-size:13px">` +
  `<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
const th = (s: string, right = false) => `<th style="${TH}${right ? ';text-align:right' : ''}">${html(s)}</th>`;

// The track takes its cell's width (at most 160px), so that a phone squeezes the bars, not the words.
function bar(pct: number, color: string): string {
  return `<div style="width:100%;max-width:160px;min-width:40px;height:10px;background:${C.track};border-radius:2px">` +
    `<div style="width:${pct}%;height:10px;background:${color};border-radius:2px"></div></div>`;
}

function figureRow(f: Figure): string {
  const tone = worse(f) ? C.bad : better(f) ? C.good : C.muted;
  const strong = f.key === 'backscatter' ? 'font-weight:700;' : '';
  return `<tr><td style="${TD};${strong}">${html(f.label)}</td>` +
    `<td style="${NUM};${strong}" data-k="${f.key}" data-p="current">${html(formatValue(f, f.current))}</td>` +
    `<td style="${NUM}" data-k="${f.key}" data-p="previous">${html(formatValue(f, f.previous))}</td>` +
    `<td style="${TD};color:${tone};white-space:nowrap">${html(formatChange(f))}</td></tr>`;
}

function figuresPart(d: Digest): string {
  return table(th('') + th(`this ${d.label}`, true) + th('before', true) + th('change'), d.figures.map(figureRow).join(''));
}

function causesPart(d: Digest): string {
  if (d.causes.length === 0) return '';
  const max = Math.max(...d.causes.map((c) => Math.max(c.current, c.previous)));
  const rows = d.causes.map((c) =>
    `<tr><td style="${TD};${MONO}">${html(c.cause)}</td>` +
    `<td style="${NUM}" data-cause="${html(c.cause)}" data-p="current">${c.current}</td>` +
    `<td style="${NUM}" data-cause="${html(c.cause)}" data-p="previous">${c.previous}</td>` +
    `<td style="${TD};width:25%">${bar(barPercent(c.current, max), C.bar)}<div style="height:2px"></div>${bar(barPercent(c.previous, max), C.barBefore)}</td></tr>`).join('');
  return h2('Causes of recipients that failed after accept') +
    table(th('cause') + th('now', true) + th('before', true) + th('now / before'), rows);
}

function sourceTable(t: SourceTable): string {
  if (t.rows.length === 0) return '';
  const max = Math.max(...t.rows.map((r) => r.count));
  const texts = t.rows[0]!.cells.length;
  const head = t.columns.map((c, i) => th(c, i >= texts)).join('') + th('');
  const rows = t.rows.map((r) =>
    `<tr>${r.cells.map((c) => `<td style="${TD};${MONO};${WRAP}">${html(c)}</td>`).join('')}` +
    `${r.numbers.map((n) => `<td style="${NUM}">${n}</td>`).join('')}` +
    `<td style="${TD};width:25%">${bar(barPercent(r.count, max), C.bar)}</td></tr>`).join('');
  return `<h3 style="font-size:13px;margin:16px 0 6px 0;color:${C.muted}">${html(t.title)}</h3>` + table(head, rows);
}

function sourcesPart(d: Digest): string {
  const parts = d.sources.map(sourceTable).join('');
  return parts ? h2('Where it comes from') + parts : '';
}

function findingsPart(d: Digest): string {
  if (d.changes.length === 0) return '';
  const rows = d.changes.map((f) => {
    const badge = f.status === 'new' ? `background:${C.bad};color:#fff` : 'background:#fdecea;color:#b42318';
    const was = f.status === 'worse' ? ` <span style="color:${C.muted}">(was ${f.previous})</span>` : '';
    return `<tr><td style="${TD}"><span style="${badge};padding:1px 6px;border-radius:8px;font-size:11px">${f.status}</span></td>` +
      `<td style="${TD}">${html(f.mta)} on ${html(f.host)}</td><td style="${TD}">${html(f.title)}</td>` +
      `<td style="${NUM}">${f.prevented} NDR${f.prevented === 1 ? '' : 's'}${was}</td></tr>`;
  }).join('');
  const more = d.changesTotal - d.changes.length;
  return h2('New or worse than the period before') + table(th('') + th('MTA on host') + th('finding') + th('would prevent', true), rows) +
    (more > 0 ? `<p style="color:${C.muted};font-size:12px">and ${more} more: <code>bouncewatch advise</code></p>` : '');
}

// The rule counts carry data-alert-rule (and the total data-k="alerts") so tests can read them back.
function alertsPart(d: Digest): string {
  const a = d.alerts;
  if (a.total === 0) return '';
  const rules = a.byRule.map((r) => `<td style="${TD};${MONO}">${html(r.rule)}</td><td style="${NUM}" data-alert-rule="${html(r.rule)}">${r.count}</td>`);
  const items = a.recent.map((x) => {
    const badge = x.state === 'firing' ? `background:${C.bad};color:#fff` : `background:${C.track};color:${C.muted}`;
    const until = x.resolved_at === null ? 'firing' : `resolved ${formatTime(x.resolved_at)} UTC`;
    return `<tr data-alert-state="${x.state}"><td style="${TD}"><span style="${badge};padding:1px 6px;border-radius:8px;font-size:11px">${html(x.state)}</span></td>` +
      `<td style="${TD};white-space:nowrap">${html(formatTime(x.started_at))} UTC<div style="color:${C.muted};font-size:12px">${html(until)}</div></td>` +
      `<td style="${TD};${MONO}">${html(x.rule)}</td><td style="${TD};${WRAP}" data-alert-title>${html(x.title)}</td></tr>`;
  }).join('');
  const more = a.total - a.recent.length;
  return h2('Alerts') +
    `<p style="margin:0 0 8px 0">${a.capped ? 'At least ' : ''}<strong data-k="alerts">${a.total}</strong> alert${a.total === 1 ? '' : 's'} started in this period.</p>` +
    table(th('rule') + th('started', true), rules.map((r) => `<tr>${r}</tr>`).join('')) +
    `<h3 style="font-size:13px;margin:16px 0 6px 0;color:${C.muted}">${a.recent.length === a.total ? 'All of them' : `The newest ${a.recent.length}`}</h3>` +
    table(th('state') + th('started') + th('rule') + th('alert'), items) +
    (more > 0 ? `<p style="color:${C.muted};font-size:12px">and ${more} more: <code>bouncewatch alerts</code></p>` : '');
}

const pill = (label: string, style: string) => `<span style="${style};padding:1px 6px;border-radius:8px;font-size:11px">${html(label)}</span>`;

// Rows carry data-bl-listed / data-bl-failing / data-bl-refusal so tests can read them back.
function blocklistsPart(d: Digest): string {
  const b = d.blocklists;
  if (!hasBlocklists(b)) return '';
  const sub = (t: string) => `<h3 style="font-size:13px;margin:16px 0 6px 0;color:${C.muted}">${html(t)}</h3>`;
  const note = b.listed.length > 0
    ? `<p style="margin:0 0 8px 0"><strong data-k="listed">${b.listed.length}</strong> listing${b.listed.length === 1 ? '' : 's'} of our addresses: stop the backscatter first, then ask for delisting.</p>`
    : b.checked > 0 ? `<p style="margin:0 0 8px 0;color:${C.good}">None of our addresses is listed (${b.checked} checked).</p>` : '';
  const listed = b.listed.map((x) => {
    const said = [listAnswer(x.codes, x.meaning), ...x.reasons].filter(Boolean).map((s) => `<div>${html(s)}</div>`).join('');
    return `<tr data-bl-listed><td style="${TD};${MONO}">${html(x.address)}</td><td style="${TD};${MONO}">${html(x.zone)}</td>` +
      `<td style="${TD};white-space:nowrap">${html(formatTime(x.since))} UTC</td><td style="${TD};${WRAP};font-size:12px">${said || '&ndash;'}</td>` +
      `<td style="${NUM}" data-bl-before>${x.backscatterBefore}</td></tr>`;
  }).join('');
  const failing = b.failing.map((f) =>
    `<tr data-bl-failing><td style="${TD};${MONO}">${html(f.address)}</td><td style="${TD};${MONO}">${html(f.zone)}</td>` +
    `<td style="${TD}">${pill(f.status.replace('_', ' '), `background:${C.track};color:${C.muted}`)}</td><td style="${TD};${WRAP}">${html(f.error)}</td></tr>`).join('');
  const refusals = b.refusals.map((r) =>
    `<tr data-bl-refusal><td style="${TD};${MONO}">${html(r.list)}</td><td style="${TD};${MONO};${WRAP}">${html(r.domain ?? '(address not logged)')}</td>` +
    `<td style="${NUM}">${r.count}</td></tr>`).join('');
  const more = b.refusalRows - b.refusals.length;
  return h2('Blocklists') + note +
    (listed ? table(th('address') + th('list') + th('listed since') + th('the list said') + th('backscatter the week before', true), listed) : '') +
    (failing ? sub('Checks that fail (the last known status stays)') + table(th('address') + th('list') + th('status') + th('error'), failing) : '') +
    (refusals ? sub(`Our mail refused for a listing in this period: ${b.refusalsTotal}`) +
      table(th('list') + th('destination domain') + th('refused', true), refusals) : '') +
    (more > 0 ? `<p style="color:${C.muted};font-size:12px">and ${more} more lists and domains</p>` : '');
}

function advicePart(d: Digest): string {
  if (d.advice.length === 0) return '';
  const items = d.advice.map((a) =>
    `<li style="margin:0 0 12px 0"><strong>${html(a.mta)} on ${html(a.host)}: ${html(a.title)}</strong>` +
    `<div style="color:${C.muted};font-size:12px">prevents ${a.prevented} NDR${a.prevented === 1 ? '' : 's'} · ${html(a.severity)}</div>` +
    (a.change ? `<pre style="${MONO};font-size:12px;background:#f6f8fa;border:1px solid ${C.line};padding:6px 8px;margin:4px 0 0 0;white-space:pre-wrap;${WRAP}">${html(a.change)}</pre>` : '') +
    '</li>').join('');
  return h2('What to change (ranked by the NDRs it would have prevented)') + `<ol style="padding-left:20px;margin:0">${items}</ol>`;
}

export function renderHtml(d: Digest): string {
  const quiet = d.causes.every((c) => c.current === 0) && d.advice.length === 0;
  const link = d.dashboard
    ? `<p style="margin:24px 0 0 0"><a href="${html(d.dashboard)}" style="color:#0969da">Open this period in the dashboard</a></p>`
    : '';
  return '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${html(d.subject)}</title></head>\n` +
    `<body style="margin:0;padding:0;background:#f6f8fa">` +
    `<div style="max-width:720px;margin:0 auto;padding:16px 20px;background:#ffffff;color:${C.text};${FONT};font-size:14px;line-height:1.4">` +
    `<h1 style="font-size:18px;margin:0 0 4px 0" data-k="subject">${html(d.subject)}</h1>` +
    `<p style="margin:0 0 16px 0;color:${C.muted};font-size:12px">This period ${html(formatPeriod(d.current))} (${html(d.label)}); ` +
    `before it ${html(formatPeriod(d.previous))}</p>\n` +
    figuresPart(d) + '\n' + alertsPart(d) + '\n' + blocklistsPart(d) + '\n' + causesPart(d) + '\n' + sourcesPart(d) + '\n' + findingsPart(d) + '\n' + advicePart(d) + '\n' +
    (quiet ? `<p style="margin:16px 0 0 0;color:${C.good}">No mail was bounced after being accepted in this period: nothing to change.</p>` : '') +
    link +
    `<p style="margin:24px 0 0 0;color:${C.muted};font-size:11px">bouncewatch digest</p>` +
    '</div></body></html>\n';
}
