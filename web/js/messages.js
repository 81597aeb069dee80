// Messages: search box and filters from the URL query, paged table from /api/messages; each row
// links to its trace. Every URL parameter except the page's own is passed on to the API.
/* global location, history, window, URLSearchParams */
import { h, byId, replace, cls, breakable } from './dom.js';
import { getJson } from './api.js';
import { addressText, fmtNum, fmtTime, text } from './format.js';
import { readPeriod, apiPeriodParams, mountPeriod, PERIOD_KEYS } from './period.js';
import { initPage, syncNav, showError, setState } from './page.js';
import { traceHref } from './links.js';

const LIMIT = 50;
const FORM_KEYS = ['q', 'outcome', 'mta', 'backscatter'];
const PAGE_KEYS = [...PERIOD_KEYS, 'offset', 'limit'];
let period = readPeriod();

const urlParams = () => new URLSearchParams(location.search);

function pageHref(params) {
  const qs = params.toString();
  return qs ? `?${qs}` : location.pathname;
}

/** The filters that came from a link (client_ip=..., cause=...), shown as removable chips. */
function renderChips(params) {
  const chips = [];
  for (const [k, v] of params) {
    if (FORM_KEYS.includes(k) || PAGE_KEYS.includes(k)) continue;
    const without = new URLSearchParams(params);
    without.delete(k);
    without.delete('offset');
    chips.push(h('li', { class: 'chip' }, `${k.replace(/_/g, ' ')}: ${v}`,
      h('a', { href: pageHref(without), 'aria-label': `Remove filter ${k}` }, '✕')));
  }
  replace(byId('chips'), chips);
}

function recipients(list) {
  if (!Array.isArray(list) || list.length === 0) return '–';
  return h('ul', { class: 'rcpts' }, list.map((r) =>
    h('li', {}, breakable(addressText(r.address)), ' ', h('span', { class: `badge ${cls(r.status)}` }, text(r.status)), r.cause ? ` ${r.cause}` : null)));
}

const HEAD = ['Received', 'Queue id', 'Host', 'Client', 'Sender', 'Recipients', 'Outcome', 'NDR'];

function row(m) {
  const cell = (i, attrs, ...content) => h(i === 1 ? 'th' : 'td', { ...attrs, 'data-label': HEAD[i] }, h('span', {}, ...content));
  return h('tr', {},
    cell(0, { class: 'nowrap' }, fmtTime(m.received_at)),
    cell(1, { scope: 'row' }, h('a', { href: traceHref(m.host, m.queue_id), title: 'Trace this message' }, text(m.queue_id))),
    cell(2, {}, text(m.host), ' ', h('span', { class: 'hint' }, text(m.mta))),
    cell(3, { class: 'wrap' }, text(m.client_ip), m.client_name ? [' ', h('span', { class: 'hint' }, m.client_name)] : null),
    cell(4, { class: 'wrap' }, breakable(text(m.sender))),
    cell(5, { class: 'wrap' }, recipients(m.recipients)),
    cell(6, {}, h('span', { class: `badge ${cls(m.outcome)}` }, text(m.outcome)),
      m.backscatter ? [' ', h('span', { class: 'badge backscatter' }, 'backscatter')] : null),
    cell(7, { class: 'wrap' }, m.ndr ? [`${text(m.ndr.fate)} (to `, breakable(text(m.ndr.to)), ')'] : '–'));
}

function emptyText(params) {
  const filtered = [...params.keys()].some((k) => !PAGE_KEYS.includes(k));
  if (params.get('outcome') === 'bounced_after_accept' || params.get('backscatter')) return 'Nothing bounced in this period.';
  if (!filtered && period.kind === 'all') return 'No logs yet: run bouncewatch import FILE or point serve at your mail log.';
  if (!filtered) return 'No messages in this period: choose a longer period, or All.';
  const refused = params.has('client_ip') ? ' Mail refused during SMTP (NOQUEUE rejects) is counted, not stored as messages.' : '';
  return `No messages match: clear the search or the filters, or choose a longer period.${refused}`;
}

async function load() {
  const params = urlParams();
  renderChips(params);
  const offset = Math.max(0, Number.parseInt(params.get('offset') || '0', 10) || 0);
  const api = new URLSearchParams();
  for (const [k, v] of params) if (!PAGE_KEYS.includes(k) && v !== '') api.append(k, v);
  for (const [k, v] of apiPeriodParams(period)) api.set(k, v);
  api.set('limit', String(LIMIT));
  api.set('offset', String(offset));
  setState('loading');
  replace(byId('status'), 'Searching…');
  try {
    const res = await getJson('api/messages', api);
    const items = Array.isArray(res?.items) ? res.items : [];
    const total = Number(res?.total) || 0;
    // Over a long period the API stops counting at a cap: then the total is a lower bound.
    const capped = res?.total_capped === true;
    const totalText = capped ? `at least ${fmtNum(total)}` : fmtNum(total);
    if (items.length === 0) {
      replace(byId('results'), h('p', { class: 'empty' }, offset && total ? 'No more messages on this page.' : emptyText(params)));
      replace(byId('status'), `${totalText} messages.`);
      setState('ready');
      return;
    }
    const table = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Messages' },
      h('table', { id: 'messages-table', class: 'stack' }, h('caption', { class: 'visually-hidden' }, 'Messages'),
        h('thead', {}, h('tr', {}, HEAD.map((l) => h('th', { scope: 'col' }, l)))),
        h('tbody', {}, items.map(row))));
    const to = (o) => {
      const p = urlParams();
      if (o > 0) p.set('offset', String(o));
      else p.delete('offset');
      return pageHref(p);
    };
    const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' },
      offset > 0 ? h('a', { class: 'button secondary', href: to(Math.max(0, offset - LIMIT)), rel: 'prev' }, '← Newer page') : null,
      h('span', {}, `${fmtNum(offset + 1)}–${fmtNum(offset + items.length)} of ${totalText}`),
      offset + items.length < total || (capped && items.length === LIMIT) ? h('a', { class: 'button secondary', href: to(offset + LIMIT), rel: 'next' }, 'Next page →') : null);
    replace(byId('results'), table, pager);
    replace(byId('status'), `${totalText} message${total === 1 && !capped ? '' : 's'}.`);
    setState('ready');
  } catch (e) {
    replace(byId('results'));
    showError(byId('status'), e);
    setState('error');
  }
}

function fillForm() {
  const params = urlParams();
  byId('q').value = params.get('q') || '';
  byId('outcome').value = params.get('outcome') || '';
  byId('mta').value = params.get('mta') || '';
  byId('backscatter').checked = Boolean(params.get('backscatter'));
}

function mount() {
  mountPeriod(byId('period'), period, (p) => {
    period = p;
    syncNav(p);
    void load();
  });
}

byId('search').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const p = urlParams();
  for (const k of [...FORM_KEYS, 'offset']) p.delete(k);
  const q = byId('q').value.trim();
  if (q) p.set('q', q);
  if (byId('outcome').value) p.set('outcome', byId('outcome').value);
  if (byId('mta').value) p.set('mta', byId('mta').value);
  if (byId('backscatter').checked) p.set('backscatter', '1');
  history.pushState(null, '', pageHref(p));
  void load();
});
window.addEventListener('popstate', () => {
  period = readPeriod();
  syncNav(period);
  fillForm();
  mount();
  void load();
});
initPage('messages', period);
fillForm();
mount();
void load();
