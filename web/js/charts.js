// chart.js helpers: the UMD build (window.Chart, served from vendor/) drawn without animation,
// updated in place on live refresh; each chart also gets a plain table for keyboard/screen readers.
import { h, replace } from './dom.js';
import { fmtNum } from './format.js';

export const COLORS = { delivered: '#1a7f37', rejected_at_smtp: '#0b5cad', bounced_after_accept: '#b35900', backscatter: '#b42318' };

export const chartLib = () => globalThis.Chart;

/** Creates or updates the chart on `canvas` with `config` (type, data, options). */
export function drawChart(canvas, config) {
  const Chart = chartLib();
  if (!Chart) return null;
  const existing = Chart.getChart(canvas);
  if (existing && existing.config.type === config.type) {
    existing.data.labels = config.data.labels;
    existing.data.datasets = config.data.datasets;
    existing.update('none');
    return existing;
  }
  existing?.destroy();
  return new Chart(canvas, {
    ...config,
    options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
  });
}

/** A table with one row per label and one column per dataset. */
export function chartTable(container, caption, labels, datasets) {
  const thead = h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, caption),
    datasets.map((d) => h('th', { scope: 'col', class: 'num' }, d.label))));
  const tbody = h('tbody', {}, labels.map((l, i) =>
    h('tr', {}, h('th', { scope: 'row' }, l), datasets.map((d) => h('td', { class: 'num' }, fmtNum(d.data[i]))))));
  replace(container, h('table', {}, thead, tbody));
}
