// Trace: one message from /api/messages/:host/:queueId — hops, origin, recipients, its NDR and
// that NDR's fate, and the raw log lines in order.
/* global location, document, URLSearchParams */
import { h, byId, replace, cls } from './dom.js';
import { getJson, ApiError } from './api.js';
import { addressText, fmtTime, text } from './format.js';
import { initPage, setState } from './page.js';
import { messagesHref } from './links.js';

const FATES = {
  delivered: 'the NDR was delivered to the sender address',
  rejected: "the sender's server refused the NDR: strong evidence of a forged sender",
  undeliverable: 'the NDR failed without a remote refusal',
  deferred: 'the NDR is still being retried',
  unknown: "the NDR's own log lines are not in the log",
};

// Every notification the message caused: NDRs (one per attempt that failed recipients), delay
// warnings, success notices, postmaster's copies.
const NOTICE_TYPES = {
  non_delivery: 'non-delivery (NDR)', delay: 'delay warning', success: 'success notice', postmaster_copy: "postmaster's copy",
};
const NOTICE_COLS = ['Queue id', 'Type', 'Sent to', 'Fate'];

const facts = (pairs) => h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
const yesNo = (b) => (b ? 'yes' : 'no');

function section(title, ...content) {
  return h('section', { class: 'card', 'aria-label': title }, h('h2', {}, title), content);
}

function render(m, lines) {
  const id = `${text(m.queue_id)} on ${text(m.host)}`;
  replace(byId('title'), `Message ${id}`);
  document.title = `Trace ${id} · bouncewatch`;
  const hops = Array.isArray(m.queue_ids) && m.queue_ids.length ? m.queue_ids : [m.queue_id];
  const client = m.client_ip ? h('a', { href: messagesHref(new URLSearchParams({ client_ip: m.client_ip }).toString()) }, m.client_ip) : '–';
  const rcpts = Array.isArray(m.recipients) ? m.recipients : [];
  const cols = ['Address', 'Original address', 'Status', 'DSN', 'Cause', 'Reason'];
  const ndr = m.ndr;
  const notices = Array.isArray(m.notifications) ? m.notifications : [];
  replace(byId('trace'),
    h('p', {}, h('span', { class: `badge ${cls(m.outcome)}` }, text(m.outcome)),
      m.backscatter ? [' ', h('span', { class: 'badge backscatter' }, 'backscatter')] : null),
    section('Origin', facts([
      ['Hops', h('ol', { class: 'hops', 'aria-label': 'Queue ids' }, hops.map((q) => h('li', { class: 'mono' }, text(q))))],
      ['MTA', text(m.mta)], ['Host', text(m.host)], ['Message-ID', text(m.message_id)], ['Origin', text(m.origin)],
      ['Received', fmtTime(m.received_at)], ['Client', [client, m.client_name ? ` (${m.client_name})` : null]],
      ['HELO', text(m.helo)], ['Authenticated', yesNo(m.authenticated)], ['Remote', yesNo(m.remote)], ['Sender', text(m.sender)],
    ])),
    section('Recipients', h('div', { class: 'table-wrap' }, h('table', { id: 'recipients-table', class: 'stack' },
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rcpts.map((r) => h('tr', {},
        [addressText(r.address), text(r.orig_address), h('span', { class: `badge ${cls(r.status)}` }, text(r.status)),
          text(r.dsn), text(r.cause), text(r.reason)].map((v, i) => h('td', { class: 'wrap', 'data-label': cols[i] }, h('span', {}, v))))))))),
    section('Non-delivery report', ndr
      ? facts([['NDR queue id', text(ndr.queue_id)], ['Sent to', text(ndr.to)],
        ['Fate', [h('span', { class: `badge ${cls(ndr.fate)}` }, text(ndr.fate)), ' ', FATES[ndr.fate] || '']],
        ['Backscatter', m.backscatter ? 'yes: an NDR to a remote, non-local sender of mail accepted and then bounced' : 'no']])
      : h('p', {}, 'No NDR was sent for this message.')),
    section('Notifications', notices.length
      ? h('div', { class: 'table-wrap' }, h('table', { id: 'notifications-table', class: 'stack' },
        h('thead', {}, h('tr', {}, NOTICE_COLS.map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, notices.map((n) => h('tr', {},
          [text(n.queue_id), NOTICE_TYPES[n.type] || text(n.type), n.to !== null ? text(n.to) : n.type === 'postmaster_copy' ? 'postmaster' : '(sender unknown)',
            [h('span', { class: `badge ${cls(n.fate)}` }, text(n.fate)), n.cause ? ` ${n.cause}: ${n.reason || ''}` : null]].map((v, i) => h('td', { class: 'wrap', 'data-label': NOTICE_COLS[i] }, h('span', {}, v))))))))
      : h('p', {}, 'The server sent no notification about this message.')),
    section(`Raw log lines (${lines.length})`,
      h('label', { class: 'live' }, h('input', { type: 'checkbox', id: 'wrap-lines', onchange: (ev) => byId('log').classList.toggle('wrapped', ev.target.checked) }), 'Wrap long lines'),
      h('pre', { class: 'log', id: 'log', tabindex: '0', 'aria-label': 'Raw log lines' }, lines.join('\n'))));
}

async function load() {
  const params = new URLSearchParams(location.search);
  const host = params.get('host') || '';
  const qid = params.get('queue_id') || '';
  if (!host || !qid) {
    replace(byId('trace'), h('p', { class: 'empty' }, 'No message chosen: open one from the ', h('a', { href: 'messages.html' }, 'Messages'), ' view.'));
    setState('ready');
    return;
  }
  setState('loading');
  replace(byId('status'), 'Loading…');
  try {
    const res = await getJson(`api/messages/${encodeURIComponent(host)}/${encodeURIComponent(qid)}`);
    render(res.message || {}, Array.isArray(res.lines) ? res.lines.map(String) : []);
    replace(byId('status'));
    setState('ready');
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      replace(byId('status'));
      replace(byId('trace'), h('p', { class: 'empty' }, `No message ${qid} on host ${host} in the database (it may have been removed by retention).`));
      setState('ready');
    } else {
      replace(byId('status'), h('span', { class: 'error' }, `Could not load: ${e.message}`));
      setState('error');
    }
  }
}

initPage('messages');
void load();
