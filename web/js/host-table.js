// The overview's per-host split (a fleet: several MTA hosts, one database): one row per host
// from /api/summary's `hosts`, each host linking to the overview of that host alone. Host names
// come from the logs: text nodes and attribute values only.
/* global URLSearchParams */
import { h, replace } from './dom.js';
import { fmtNum, text } from './format.js';
import { addPeriod } from './period.js';

const COLS = [
  ['accepted', 'Accepted'], ['rejected_at_smtp', 'Rejected at SMTP'], ['bounced_after_accept', 'Bounced after accept'],
  ['ndrs', 'NDRs'], ['backscatter', 'Backscatter'], ['backscatter_ndrs', 'Backscatter NDRs'],
];

/** The overview of one host, in the same period. */
function hostHref(host, period) {
  return `./?${addPeriod(new URLSearchParams({ host: String(host) }), { ...period, host: '' })}`;
}

export function renderHosts(el, hosts, period) {
  const rows = Array.isArray(hosts) ? hosts : [];
  if (rows.length === 0) return replace(el, h('p', { class: 'empty' }, 'No host logged mail in this period.'));
  const head = h('tr', {}, h('th', { scope: 'col' }, 'Host'), h('th', { scope: 'col' }, 'MTA'),
    COLS.map(([, label]) => h('th', { scope: 'col', class: 'num' }, label)));
  const body = rows.map((r) => h('tr', { 'data-host': text(r.host) },
    h('th', { scope: 'row', class: 'wrap', 'data-label': 'Host' }, h('a', { href: hostHref(r.host, period), title: 'This host alone' }, text(r.host))),
    h('td', { 'data-label': 'MTA' }, Array.isArray(r.mtas) ? r.mtas.map(text).join(', ') : text(r.mtas)),
    COLS.map(([k, label]) => h('td', { class: 'num', 'data-label': label }, fmtNum(Number(r[k]) || 0)))));
  return replace(el, h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'By host' },
    h('table', { id: 'hosts-split', class: 'stack' }, h('caption', { class: 'visually-hidden' }, 'By host'), h('thead', {}, head), h('tbody', {}, body))));
}
