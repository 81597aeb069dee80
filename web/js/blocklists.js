// Blocklists on the overview (/api/blocklists): each of our addresses at each list (status, since
// when, what the list said, the backscatter of the week before a listing), and our mail refused
// for a listing in the period. A list's TXT reasons are strangers' text: text nodes only,
// invisible characters shown as \u{...}, links only to our pages.
/* global URLSearchParams */
import { h, replace, cls } from './dom.js';
import { getJson } from './api.js';
import { fmtNum, fmtTime, text, visible } from './format.js';
import { addPeriod, apiPeriodParams } from './period.js';
import { evidenceHref } from './alerts.js';

const STATUS_LABEL = { listed: 'listed', not_listed: 'not listed', unknown: 'unknown' };
const NO_CHECKS = "No blocklist checks yet (serve checks the addresses in public_ips, or this host's public addresses).";
const NO_REFUSALS = 'None of our mail was refused for a listing in this period.';

export async function periodBlocklists(period) {
  return await getJson('api/blocklists', apiPeriodParams(period));
}

const th = (label) => h('th', { scope: 'col' }, label);
const list = (v) => (Array.isArray(v) ? v : []);

/** A table that scrolls on its own when wide, with a caption for screen readers. */
function tableBox(id, label, caption, heads, rows) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label },
    h('table', { id, class: 'stack' }, h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, heads.map(th))), h('tbody', {}, rows)));
}

/** The status badge; a failed last check says why (for unknown that is all there is to say). */
function statusCell(c) {
  const status = Object.hasOwn(STATUS_LABEL, c.status) ? c.status : 'unknown';
  return h('td', { 'data-label': 'Status' },
    h('span', { class: `badge bl-${cls(status)}` }, STATUS_LABEL[status]),
    c.last_error ? h('div', { class: 'bl-error' }, status === 'unknown' ? '' : 'last check failed: ', h('bdi', {}, visible(c.last_error))) : null);
}

/** The list's answer: codes with what they mean, then each TXT reason on its own line. */
function saidCell(c) {
  const codes = list(c.codes).map((x) => visible(x)).join(', ');
  const head = [codes, c.meaning ? visible(c.meaning) : ''].filter(Boolean).join(': ');
  const reasons = list(c.reasons).map((r) => h('li', {}, h('bdi', {}, visible(r))));
  return h('td', { class: 'wrap', 'data-label': 'The list said' },
    head ? h('div', { class: 'bl-codes' }, head) : null,
    reasons.length > 0 ? h('ul', { class: 'bl-reasons' }, reasons) : null,
    !head && reasons.length === 0 ? '–' : null);
}

/** For a listing: the week of backscatter before it (linked to those messages), and what to do. */
function beforeCell(c, period) {
  const b = c.before_listing;
  if (c.status !== 'listed' || !b) return h('td', { 'data-label': 'Before the listing' }, '–');
  const n = Number(b.backscatter_ndrs) || 0;
  const said = `${fmtNum(n)} backscatter NDR${n === 1 ? '' : 's'} in the week before the listing`;
  const href = evidenceHref(b.link);
  const qs = addPeriod(new URLSearchParams(), period).toString();
  return h('td', { class: 'wrap', 'data-label': 'Before the listing' },
    href ? h('a', { href, class: 'bl-before' }, said) : h('span', { class: 'bl-before' }, said),
    h('div', { class: 'hint' }, h('a', { href: qs ? `recommendations.html?${qs}` : 'recommendations.html', class: 'bl-advice' },
      'Stop the backscatter first, then ask for delisting')));
}

function statusRow(c, period) {
  return h('tr', { 'data-status': cls(c.status), 'data-address': text(c.address), 'data-zone': text(c.zone) },
    h('td', { class: 'mono', 'data-label': 'Address' }, text(c.address)),
    h('td', { 'data-label': 'List' }, text(c.zone)),
    statusCell(c),
    h('td', { class: 'nowrap', 'data-label': 'Since' }, fmtTime(c.since)),
    saidCell(c),
    h('td', { class: 'nowrap', 'data-label': 'Last checked' }, fmtTime(c.checked_at),
      c.checked_by ? h('div', { class: 'hint' }, `by ${text(c.checked_by)}`) : null),
    beforeCell(c, period));
}

function refusalRow(r) {
  return h('tr', {},
    h('td', { 'data-label': 'List' }, visible(r.list)),
    h('td', { 'data-label': 'Destination domain' }, r.domain === null || r.domain === undefined ? '(address not logged)' : visible(r.domain)),
    h('td', { class: 'num', 'data-label': 'Refused' }, fmtNum(r.count)));
}

/** The overview's Blocklists section: the status table into `statusEl`, the period's refusals into `refusedEl`. */
export function renderBlocklists(statusEl, refusedEl, report, period) {
  const checks = list(report?.checks);
  const refusals = list(report?.refusals);
  replace(statusEl, checks.length === 0 ? h('p', { class: 'empty' }, NO_CHECKS)
    : tableBox('blocklist-status', 'Blocklist status', 'Each of our addresses at each blocklist',
      ['Address', 'List', 'Status', 'Since', 'The list said', 'Last checked', 'Before the listing'], checks.map((c) => statusRow(c, period))));
  replace(refusedEl, refusals.length === 0 ? h('p', { class: 'hint' }, NO_REFUSALS)
    : tableBox('blocklist-refusals', 'Our mail refused for a listing', 'Our mail refused for a listing in this period, by list and destination domain',
      ['List', 'Destination domain', 'Refused'], refusals.map(refusalRow)));
}
