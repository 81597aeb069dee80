// What every dashboard page shares: the current nav link, nav links that keep the period,
// the demo-data banner from /healthz, the banner of firing alerts, and error display.
/* global document, URLSearchParams */
import { h, byId, replace } from './dom.js';
import { getJson } from './api.js';
import { addPeriod } from './period.js';
import { alertBanner } from './alerts.js';

let banner = null;

export function initPage(view, period) {
  for (const a of document.querySelectorAll('nav a[data-view]')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
  }
  if (period) syncNav(period);
  void demoBanner();
  banner = alertBanner();
  void banner.refresh();
}

/** Fetches the firing alerts again: pages that refresh themselves call it on each refresh. */
export function refreshAlerts() {
  return banner ? banner.refresh() : Promise.resolve();
}

/** Points the nav links at the same period. */
export function syncNav(period) {
  for (const a of document.querySelectorAll('a[data-view]')) {
    const base = a.dataset.base || a.getAttribute('href').split('?')[0];
    a.dataset.base = base;
    const qs = addPeriod(new URLSearchParams(), period).toString();
    a.setAttribute('href', qs ? `${base}?${qs}` : base);
  }
}

async function demoBanner() {
  try {
    const health = await getJson('healthz');
    if (health && health.demo) {
      const banner = h('p', { class: 'banner', role: 'note' },
        'Demo data: this server found no mail log. Run bouncewatch import FILE, or point serve at your mail log with --log PATH.');
      document.querySelector('.top')?.after(banner);
    }
  } catch {
    // /healthz may be unreachable behind a proxy: the banner is optional.
  }
}

/** Shows an error in `el` (as text) and returns it for chaining. */
export function showError(el, err) {
  return replace(el, h('span', { class: 'error', role: 'alert' }, `Could not load: ${err instanceof Error ? err.message : String(err)}`));
}

export const status = (msg) => replace(byId('status'), msg);

/** Marks <main> loading/ready/error, for people using assistive tech (aria-busy) and for tests. */
export function setState(state) {
  const main = byId('main');
  main.dataset.state = state;
  main.setAttribute('aria-busy', String(state === 'loading'));
}
