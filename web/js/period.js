// The period a view shows: "all" (default, so imported history shows), the last 24 h / 7 d / 30 d,
// or custom from/to; kept in the page URL (period=7d, or from=&to=) so links and reloads keep it.
// With it the MTA host of a fleet (host=; every host when absent), which every API call takes.
/* global location, history, URLSearchParams */
import { h } from './dom.js';
import { toLocalInput } from './format.js';
import { hostSelect } from './host-select.js';

const SPANS = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
const LABELS = [['all', 'All'], ['24h', 'Last 24 hours'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days'], ['custom', 'Custom…']];
export const PERIOD_KEYS = ['period', 'from', 'to', 'host'];

export function readPeriod(params = new URLSearchParams(location.search)) {
  const host = params.get('host') || '';
  const from = params.get('from') || '';
  const to = params.get('to') || '';
  if (from || to) return { kind: 'custom', from, to, host };
  const k = params.get('period') || '';
  return { kind: Object.hasOwn(SPANS, k) ? k : 'all', from: '', to: '', host };
}

/** The from/to (and host) sent to the API; relative spans end now, so each refresh moves them. */
export function apiPeriodParams(p) {
  const q = new URLSearchParams();
  if (Object.hasOwn(SPANS, p.kind)) q.set('from', new Date(Date.now() - SPANS[p.kind]).toISOString());
  if (p.kind === 'custom') {
    if (p.from) q.set('from', p.from);
    if (p.to) q.set('to', p.to);
  }
  if (p.host) q.set('host', p.host);
  return q;
}

/** Adds the period to a page link's query, unless the query names its own from/to (or host). */
export function addPeriod(params, p) {
  if (p.host && !params.has('host')) params.set('host', p.host);
  if (params.has('from') || params.has('to') || params.has('period')) return params;
  if (p.kind === 'custom') {
    if (p.from) params.set('from', p.from);
    if (p.to) params.set('to', p.to);
  } else if (p.kind !== 'all') params.set('period', p.kind);
  return params;
}

/** Replaces the period in the current URL (and drops the page offset). */
function writeUrl(p) {
  const params = new URLSearchParams(location.search);
  for (const k of [...PERIOD_KEYS, 'offset']) params.delete(k);
  addPeriod(params, p);
  const qs = params.toString();
  history.replaceState(null, '', qs ? `?${qs}` : location.pathname);
}

/** Builds the period selector into `container`; calls onChange(period) after each change. */
export function mountPeriod(container, period, onChange) {
  const select = h('select', { id: 'period-select', name: 'period' },
    LABELS.map(([v, label]) => h('option', { value: v, selected: v === period.kind }, label)));
  const from = h('input', { type: 'datetime-local', id: 'period-from', value: period.from ? toLocalInput(period.from) : '' });
  const to = h('input', { type: 'datetime-local', id: 'period-to', value: period.to ? toLocalInput(period.to) : '' });
  const msg = h('span', { class: 'error', role: 'alert' });
  const custom = h('span', { class: 'custom', hidden: period.kind !== 'custom' },
    h('span', { class: 'field' }, h('label', { for: 'period-from' }, 'From'), from),
    h('span', { class: 'field' }, h('label', { for: 'period-to' }, 'To'), to),
    h('button', { type: 'submit' }, 'Apply'), msg);
  let current = period;
  const apply = (p) => {
    current = p;
    writeUrl(p);
    onChange(p);
    hosts.refresh(p);
  };
  const hosts = hostSelect(period, (host) => apply({ ...current, host }));
  const form = h('form', { class: 'period', role: 'search', 'aria-label': 'Period' },
    h('span', { class: 'field' }, h('label', { for: 'period-select' }, 'Period'), select), custom, hosts.field);
  select.addEventListener('change', () => {
    custom.hidden = select.value !== 'custom';
    if (select.value === 'custom') from.focus();
    else apply({ kind: select.value, from: '', to: '', host: current.host });
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (select.value !== 'custom') return apply({ kind: select.value, from: '', to: '', host: current.host });
    const iso = (input) => (input.value ? new Date(input.value).toISOString() : '');
    try {
      const p = { kind: 'custom', from: iso(from), to: iso(to), host: current.host };
      if (!p.from && !p.to) throw new Error('Give a start, an end, or both');
      msg.textContent = '';
      apply(p);
    } catch (e) {
      msg.textContent = e instanceof RangeError ? 'Not a valid date' : e.message;
    }
  });
  container.replaceChildren(form);
}
