// Sources: one table per /api/sources kind, with inline bars; each row links to its messages.
import { h, byId, replace } from './dom.js';
import { getJson } from './api.js';
import { fmtNum, text } from './format.js';
import { readPeriod, apiPeriodParams, mountPeriod } from './period.js';
import { initPage, syncNav, showError, setState } from './page.js';
import { messagesHref } from './links.js';

const SHOWN = 50;
const N = 'num';
// kind, heading, explanation, columns [key, label, num?], bar segments, text when empty
const KINDS = [
  { kind: 'cause', title: 'Causes', help: 'Why recipients failed after the message was accepted.',
    cols: [['cause', 'Cause'], ['count', 'Recipients', N]], bar: ['count'], empty: 'Nothing bounced in this period.' },
  { kind: 'client', title: 'Clients', help: 'SMTP clients whose accepted mail bounced, and how much of it became backscatter.',
    cols: [['client_ip', 'Client IP'], ['client_name', 'Name'], ['helo', 'HELO'], ['messages', 'Messages', N], ['bounced', 'Bounced', N], ['backscatter', 'Backscatter', N]],
    bar: ['bounced'], empty: 'No client sent mail that bounced in this period.' },
  { kind: 'scanner', title: 'Dictionary-scan suspects', help: 'Clients with many unknown-recipient rejects during SMTP: likely address harvesters.',
    cols: [['client_ip', 'Client IP'], ['client_name', 'Name'], ['rejects', 'Rejects', N], ['unknown_recipient', 'Unknown recipient', N]],
    bar: ['unknown_recipient'], empty: 'No dictionary-scan suspects in this period.' },
  { kind: 'local_domain', title: 'Our domains', help: 'Our domains whose recipients failed after accept.',
    cols: [['domain', 'Domain'], ['cause', 'Cause'], ['count', 'Recipients', N]], bar: ['count'], empty: 'Nothing bounced in this period.' },
  { kind: 'recipient', title: 'Recipients', help: 'Addresses that failed after accept.',
    cols: [['address', 'Address'], ['cause', 'Cause'], ['count', 'Times', N]], bar: ['count'], empty: 'Nothing bounced in this period.' },
  { kind: 'sender_domain', title: 'Sender domains that got NDRs', help: 'Where our NDRs went, and what became of them. Rejected NDRs point to forged senders.',
    cols: [['sender_domain', 'Sender domain'], ['ndrs', 'NDRs', N], ['delivered', 'Delivered', N], ['deferred', 'Deferred', N],
      ['rejected', 'Rejected', N], ['undeliverable', 'Undeliverable', N], ['unknown', 'Unknown', N]],
    bar: ['rejected', 'undeliverable', 'deferred', 'unknown', 'delivered'], empty: 'No NDRs were sent in this period.' },
  { kind: 'host', title: 'Hosts', help: 'Each MTA host sharing this database: its mail, bounces and backscatter.',
    cols: [['host', 'Host'], ['mtas', 'MTA'], ['accepted', 'Accepted', N], ['rejected_at_smtp', 'Rejected at SMTP', N],
      ['bounced_after_accept', 'Bounced', N], ['ndrs', 'NDRs', N], ['backscatter', 'Backscatter', N]],
    bar: ['bounced_after_accept'], empty: 'No host logged mail in this period.' },
];
let period = readPeriod();
const SEG_CLASS = { rejected: 'c1', undeliverable: 'c2', deferred: 'c0', unknown: 'c3', delivered: 'c4' };

function bar(row, keys, max) {
  const el = h('span', { class: 'bar', 'aria-hidden': 'true' });
  keys.forEach((k, i) => {
    const n = Number(row[k]) || 0;
    if (!n || !max) return;
    const seg = h('span', { class: `seg ${keys.length > 1 ? SEG_CLASS[k] || `c${i}` : 'c0'}`, title: `${k}: ${n}` });
    seg.style.width = `${(100 * n) / max}%`;
    el.appendChild(seg);
  });
  return el;
}

function renderTable(section, spec, rows, all) {
  const total = (r) => spec.bar.reduce((a, k) => a + (Number(r[k]) || 0), 0);
  const max = rows.reduce((m, r) => Math.max(m, total(r)), 0);
  const shown = all ? rows : rows.slice(0, SHOWN);
  const legend = spec.bar.length > 1
    ? h('ul', { class: 'legend', 'aria-hidden': 'true' }, spec.bar.map((k) => h('li', {}, h('span', { class: `seg ${SEG_CLASS[k]}` }), k)))
    : null;
  const head = h('tr', {}, spec.cols.map(([, label, num]) => h('th', { scope: 'col', class: num || null }, label)), h('th', { scope: 'col' }, 'Share'));
  const body = shown.map((r) => h('tr', {},
    spec.cols.map(([key, label, num], i) => {
      const value = num ? fmtNum(Number(r[key]) || 0) : text(r[key]);
      const cell = i === 0 ? h('a', { href: messagesHref(r.filter, period), title: 'Show these messages' }, value) : value;
      return h(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : null, class: num || 'wrap', 'data-label': label }, cell);
    }),
    h('td', { 'data-label': 'Share' }, bar(r, spec.bar, max))));
  const more = !all && rows.length > SHOWN
    ? h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: () => renderTable(section, spec, rows, true) }, `Show all ${fmtNum(rows.length)} rows`))
    : null;
  replace(section.querySelector('.content'), legend,
    h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': spec.title },
      h('table', { 'data-kind': spec.kind, class: 'stack' }, h('caption', { class: 'visually-hidden' }, spec.title), h('thead', {}, head), h('tbody', {}, body))),
    more);
}

async function load(spec, section) {
  const params = apiPeriodParams(period);
  params.set('kind', spec.kind);
  try {
    const res = await getJson('api/sources', params);
    const rows = Array.isArray(res?.rows) ? res.rows : [];
    section.querySelector('.count').textContent = `(${fmtNum(rows.length)})`;
    if (rows.length === 0) replace(section.querySelector('.content'), h('p', { class: 'empty' }, spec.empty));
    else renderTable(section, spec, rows, false);
  } catch (e) {
    showError(section.querySelector('.content'), e);
  }
}

async function loadAll() {
  setState('loading');
  replace(byId('status'), 'Loading…');
  const sections = KINDS.map((spec) => {
    const section = h('section', { class: 'card', id: `src-${spec.kind}`, 'aria-labelledby': `h-${spec.kind}` },
      h('h2', { id: `h-${spec.kind}` }, spec.title, ' ', h('span', { class: 'count hint' })),
      h('p', { class: 'hint' }, spec.help), h('div', { class: 'content' }, 'Loading…'));
    return [spec, section];
  });
  replace(byId('tables'), sections.map(([, s]) => s));
  await Promise.all(sections.map(([spec, s]) => load(spec, s)));
  replace(byId('status'), 'Click a row to list its messages.');
  setState('ready');
}

initPage('sources', period);
replace(byId('toc'), KINDS.map((k) => h('li', {}, h('a', { href: `#src-${k.kind}` }, k.title))));
mountPeriod(byId('period'), period, (p) => {
  period = p;
  syncNav(p);
  void loadAll();
});
void loadAll();
