// Alerts on the dashboard: the banner every page shows while an alert fires (from
// /api/alerts?state=firing), and the overview's list of the period's alerts. Titles hold strings
// from the logs: text nodes only, invisible characters shown as \u{...}, links only to our pages.
/* global document, URLSearchParams */
import { h, replace, cls } from './dom.js';
import { getJson } from './api.js';
import { fmtTime, text, visible } from './format.js';
import { apiPeriodParams } from './period.js';

const BANNER_MAX = 10; // titles listed in the banner; the rest are counted
const LIST_MAX = 100;

/** The alert's evidence page when it is one of ours (a relative "page.html?query"), else null. */
export function evidenceHref(link) {
  return typeof link === 'string' && /^[a-z][a-z0-9-]*\.html(\?[^#\s]*)?$/i.test(link) ? link : null;
}

/** An alert's title, linked to its evidence when it has a link. */
function titleLink(a) {
  const title = h('bdi', {}, visible(a.title));
  const href = evidenceHref(a.link);
  return href ? h('a', { href, class: 'alert-title' }, title) : h('span', { class: 'alert-title' }, title);
}

const plural = (n) => `${n} alert${n === 1 ? '' : 's'}`;

/**
 * The banner: made once, after the top bar, and filled on each refresh(). Its content is
 * replaced only when the firing alerts change, so a screen reader announces a change once.
 */
export function alertBanner() {
  const el = h('div', { id: 'alert-banner', class: 'banner alerts', role: 'region', 'aria-label': 'Firing alerts', 'aria-live': 'polite', hidden: true });
  let shown = '';
  let running = null;
  const show = (items) => {
    const sig = JSON.stringify(items.map((a) => [a.id, a.title, a.link]));
    if (sig === shown) return;
    shown = sig;
    el.hidden = items.length === 0;
    if (items.length === 0) return replace(el);
    const more = items.length - BANNER_MAX;
    replace(el,
      h('strong', { class: 'alert-count' }, `${plural(items.length)} firing`), ': ',
      h('ul', { class: 'alert-list' }, items.slice(0, BANNER_MAX).map((a) => h('li', { 'data-id': a.id }, titleLink(a)))),
      more > 0 ? h('a', { href: './#alerts', class: 'alert-more' }, `and ${more} more`) : null);
  };
  const load = async () => {
    try {
      const res = await getJson('api/alerts', new URLSearchParams({ state: 'firing', limit: '1000' }));
      show((Array.isArray(res?.items) ? res.items : []).filter((a) => a && a.state === 'firing'));
    } catch {
      // The banner is extra: the view shows its own errors, and the next refresh tries again.
    }
  };
  /** Fetches the firing alerts again (a call while one runs waits for that one). */
  const refresh = () => (running ??= load().finally(() => { running = null; }));
  (document.querySelector('.top') ?? document.body.firstChild)?.after(el);
  return { el, refresh };
}

/** /api/alerts for the period: it filters on when they started and knows no host, so the host is ours to apply. */
export async function periodAlerts(period) {
  const params = apiPeriodParams({ ...period, host: '' });
  params.set('limit', String(LIST_MAX));
  const res = await getJson('api/alerts', params);
  const items = Array.isArray(res?.items) ? res.items : [];
  return { items: period.host ? items.filter((a) => a.host === period.host || a.host === null) : items, capped: items.length >= LIST_MAX };
}

/** The overview's Alerts table: state, started, resolved (or firing), rule, title linking to its evidence. */
export function renderAlerts(el, { items, capped }) {
  if (items.length === 0) return replace(el, h('p', { class: 'empty' }, 'No alert started in this period.'));
  const th = (label) => h('th', { scope: 'col' }, label);
  const rows = items.map((a) => h('tr', { 'data-id': a.id, 'data-state': cls(a.state) },
    h('td', { 'data-label': 'State' }, h('span', { class: `badge ${cls(a.state)}` }, text(a.state))),
    h('td', { class: 'nowrap', 'data-label': 'Started' }, fmtTime(a.started_at)),
    h('td', { class: 'nowrap', 'data-label': 'Resolved' }, a.resolved_at ? fmtTime(a.resolved_at) : 'firing'),
    h('td', { 'data-label': 'Rule' }, text(a.rule)),
    h('td', { class: 'wrap', 'data-label': 'Alert' }, titleLink(a))));
  return replace(el,
    h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Alerts' },
      h('table', { id: 'alerts-list', class: 'stack' }, h('caption', { class: 'visually-hidden' }, 'Alerts that started in this period, newest first'),
        h('thead', {}, h('tr', {}, th('State'), th('Started'), th('Resolved'), th('Rule'), th('Alert'))), h('tbody', {}, rows))),
    capped ? h('p', { class: 'hint' }, `The newest ${LIST_MAX} are shown: bouncewatch alerts lists them all.`) : null);
}
