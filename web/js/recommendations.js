// Recommendations: each proposed change with its severity, MTA, the change itself in a <pre>,
// why, the evidence (counts, what it narrows to, examples), NDRs it would have prevented, docs.
/* global URL */
import { h, byId, replace, cls } from './dom.js';
import { getJson } from './api.js';
import { addressText, fmtNum, describe, text } from './format.js';
import { readPeriod, apiPeriodParams, mountPeriod } from './period.js';
import { initPage, syncNav, showError, setState } from './page.js';
import { messagesHref, traceHref } from './links.js';

let period = readPeriod();
const LISTED = 25;
const EXTRA = [['lists', 'Blocklists'], ['domains', 'Domains'], ['recipients', 'Recipients'], ['relays', 'Downstream relays'],
  ['aliases', 'Forwarding aliases'], ['clients', 'Clients'], ['limit', 'Downstream size limit']];

/** Only http(s) links are made clickable; anything else is shown as text. */
function safeUrl(u) {
  try {
    const url = new URL(String(u));
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Where a docs entry can be read: a URL as given, or Postfix's own documentation pages. */
function docUrl(doc, mta) {
  const s = String(doc);
  if (/^https?:/i.test(s)) return safeUrl(s);
  if (mta !== 'postfix') return null;
  let m = /^([A-Z][A-Z_]*_README)$/.exec(s);
  if (m) return `https://www.postfix.org/${m[1]}.html`;
  m = /^postconf\(5\): ([a-z0-9_]+)$/.exec(s);
  if (m) return `https://www.postfix.org/postconf.5.html#${m[1]}`;
  m = /^([a-z0-9_-]+)\(([1-8])\)$/.exec(s);
  return m ? `https://www.postfix.org/${m[1]}.${m[2]}.html` : null;
}

function docLinks(docs, mta) {
  const list = (Array.isArray(docs) ? docs : [docs]).filter((d) => d !== null && d !== undefined && d !== '');
  if (list.length === 0) return null;
  return h('ul', { class: 'docs' }, list.map((d) => {
    const url = docUrl(typeof d === 'object' ? d.url ?? '' : d, mta);
    const label = typeof d === 'object' ? text(d.title ?? d.url) : text(d);
    return h('li', {}, url ? h('a', { href: url, rel: 'noopener noreferrer', target: '_blank' }, label) : label);
  }));
}

function listed(v) {
  if (!Array.isArray(v)) return describe(v);
  const more = v.length > LISTED ? ` and ${fmtNum(v.length - LISTED)} more` : '';
  return `${v.slice(0, LISTED).map(text).join(', ')}${more}`;
}

function examples(list) {
  if (!Array.isArray(list) || list.length === 0) return null;
  const cols = ['Queue id', 'Host', 'Recipient', 'Reason'];
  return h('div', { class: 'table-wrap' }, h('table', { class: 'examples stack' },
    h('caption', { class: 'visually-hidden' }, 'Examples'),
    h('thead', {}, h('tr', {}, cols.map((l) => h('th', { scope: 'col' }, l)))),
    h('tbody', {}, list.map((x) => h('tr', {},
      [x.queue_id ? h('a', { href: traceHref(x.host, x.queue_id) }, text(x.queue_id)) : '–', text(x.host), addressText(x.recipient), text(x.reason)]
        .map((v, i) => h('td', { class: i > 1 ? 'wrap' : null, 'data-label': cols[i] }, h('span', {}, v))))))));
}

function card(r) {
  const ev = r.evidence || {};
  const docs = docLinks(r.docs, r.mta);
  const ex = examples(ev.examples);
  const prevented = typeof r.prevented === 'number' ? `${fmtNum(r.prevented)} NDR${r.prevented === 1 ? '' : 's'}` : describe(r.prevented);
  return h('article', { class: 'card rec', 'data-id': text(r.id) },
    h('header', {}, h('h2', {}, text(r.title)),
      h('span', { class: `badge ${cls(r.severity)}` }, `severity: ${text(r.severity)}`),
      h('span', { class: 'badge info' }, text(r.mta)),
      r.host ? h('span', { class: 'badge host', title: 'The host whose config this is for' }, `on ${text(r.host)}`) : null,
      r.cause ? h('span', { class: 'badge' }, text(r.cause)) : null),
    h('h3', {}, 'Change'),
    h('pre', { class: 'change', tabindex: '0' }, typeof r.change === 'string' ? r.change : describe(r.change)),
    h('h3', {}, 'Why'),
    h('p', { class: 'rationale' }, text(r.rationale)),
    h('h3', {}, 'Evidence'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Would have prevented'), h('dd', { class: 'prevented' }, prevented),
      h('dt', {}, 'Messages'), h('dd', {}, fmtNum(ev.messages)),
      h('dt', {}, 'NDRs'), h('dd', {}, fmtNum(ev.ndrs)),
      h('dt', {}, 'Backscatter'), h('dd', {}, fmtNum(ev.backscatter)),
      EXTRA.filter(([k]) => ev[k] !== undefined && ev[k] !== null).map(([k, label]) => [h('dt', {}, label), h('dd', {}, listed(ev[k]))])),
    ex ? [h('h3', {}, 'Examples'), ex] : null,
    docs ? [h('h3', {}, 'Read'), docs] : null,
    r.filter ? h('p', {}, h('a', { href: messagesHref(r.filter, period) }, 'Show the messages behind this recommendation')) : null);
}

async function load() {
  setState('loading');
  replace(byId('status'), 'Loading…');
  try {
    const res = await getJson('api/recommendations', apiPeriodParams(period));
    const items = Array.isArray(res?.items) ? res.items : [];
    replace(byId('recs'), items.length
      ? items.map(card)
      : h('p', { class: 'empty' }, 'No recommendations for this period: bouncewatch found no configuration change that would have refused its bounced mail during SMTP.'));
    replace(byId('status'), items.length ? `${fmtNum(items.length)} recommendation${items.length === 1 ? '' : 's'}, the one that would have prevented most NDRs first.` : '');
    setState('ready');
  } catch (e) {
    showError(byId('status'), e);
    setState('error');
  }
}

initPage('recommendations', period);
mountPeriod(byId('period'), period, (p) => {
  period = p;
  syncNav(p);
  void load();
});
void load();
