// The host selector of a fleet (several MTA hosts, one database): "All hosts" and each host that
// logged mail in the period, from /api/sources?kind=host. Host names come from the logs: they go
// into option text and values only (text nodes and attributes, never markup).
/* global URLSearchParams */
import { h, replace } from './dom.js';
import { getJson } from './api.js';
import { apiPeriodParams } from './period.js';

/** The <select> in a field, and refresh(period) to list the hosts of another period; onPick(host) on a choice ('' = all). */
export function hostSelect(period, onPick) {
  const select = h('select', { id: 'host-select', name: 'host' });
  const field = h('span', { class: 'field host' }, h('label', { for: 'host-select' }, 'Host'), select);
  const fill = (names, chosen) => {
    // The chosen host stays listed even when this period has none of its mail.
    const all = chosen && !names.includes(chosen) ? [...names, chosen] : names;
    replace(select, h('option', { value: '', selected: !chosen }, 'All hosts'),
      all.map((n) => h('option', { value: n, selected: n === chosen }, n)));
  };
  const refresh = async (p) => {
    fill([], p.host);
    try {
      const res = await getJson('api/sources', new URLSearchParams([...apiPeriodParams({ ...p, host: '' }), ['kind', 'host']]));
      const rows = Array.isArray(res?.rows) ? res.rows : [];
      fill(rows.map((r) => String(r.host ?? '')).filter(Boolean), p.host);
    } catch {
      // The views show their own errors; the selector keeps "All hosts" and the chosen one.
    }
  };
  select.addEventListener('change', () => onPick(select.value));
  void refresh(period);
  return { field, refresh };
}
