// Overview: tiles from /api/summary, time series and causes charts, the period's alerts, the
// blocklist watch, period and bucket selectors; re-fetches (and the alert banner with it) every 5 s while the page is
// visible and live update is on.
/* global document, location, history, setInterval, URLSearchParams */
import { h, byId, replace } from './dom.js';
import { getJson, ApiError } from './api.js';
import { fmtNum, fmtShare, fmtBucket, fmtTime } from './format.js';
import { readPeriod, apiPeriodParams, mountPeriod } from './period.js';
import { initPage, syncNav, showError, setState, refreshAlerts } from './page.js';
import { periodAlerts, renderAlerts } from './alerts.js';
import { periodBlocklists, renderBlocklists } from './blocklists.js';
import { drawChart, chartTable, chartLib, COLORS } from './charts.js';
import { renderHosts } from './host-table.js';

const NO_LOGS = 'No logs yet: run bouncewatch import FILE or point serve at your mail log.';
let period = readPeriod();
const askedBucket = new URLSearchParams(location.search).get('bucket');
let bucket = askedBucket === 'hour' || askedBucket === 'day' ? askedBucket : '';
let busy = false;
let again = false; // a change arrived while a fetch was running: fetch once more after it

const sumValues = (o) => Object.values(o || {}).reduce((a, b) => a + (Number(b) || 0), 0);

function tile(key, label, value, sub, tone) {
  return h('div', { class: `tile ${tone}`, 'data-key': key },
    h('h2', { id: `tile-${key}` }, label),
    h('p', { class: 'tile-value' }, value),
    sub ? h('p', { class: 'tile-sub' }, sub) : null);
}

function renderTiles(s) {
  const bad = sumValues(s.causes);
  const fates = Object.entries(s.backscatter_fates || {}).map(([k, n]) => `${k} ${fmtNum(n)}`).join(' · ');
  replace(byId('tiles'),
    tile('accepted', 'Accepted', fmtNum(s.accepted), `${fmtNum(s.accepted_remote)} from remote clients`, 'ok'),
    tile('rejected_at_smtp', 'Rejected at SMTP', fmtNum(s.rejected_at_smtp), 'refused during the session', 'smtp'),
    tile('bounced_after_accept', 'Bounced after accept', fmtNum(s.bounced_after_accept),
      s.accepted ? `${fmtShare(s.bounced_after_accept, Math.max(0, s.accepted - s.bounced_after_accept))} of accepted` : 'of accepted mail', 'bounce'),
    tile('ndrs', 'NDRs', fmtNum(s.ndrs), 'non-delivery reports sent', 'bounce'),
    tile('backscatter', 'Backscatter', fmtNum(s.backscatter), fates ? `NDR fates: ${fates}` : 'NDRs to forged senders', 'bad'),
    tile('refused_share', 'Bad recipients refused during SMTP', fmtShare(s.rejected_at_smtp, bad),
      `${fmtNum(s.rejected_at_smtp)} refused at SMTP, ${fmtNum(bad)} failed after accept`, 'smtp'));
}

function renderEmpty(s) {
  const nothing = !s.lines?.total && !s.accepted && !s.rejected_at_smtp && !s.ndrs;
  const msg = !nothing ? null : period.kind === 'all' ? NO_LOGS : 'No mail in this period: choose a longer period, or All.';
  replace(byId('empty'), msg ? h('p', { class: 'empty' }, msg) : null);
  const range = !nothing && s.from && s.to ? `Data from ${fmtTime(s.from, false)} to ${fmtTime(s.to, false)}. ` : '';
  return `${range}${fmtNum(s.lines?.total ?? 0)} log lines (${fmtNum(s.lines?.unknown ?? 0)} not understood).`;
}

const MAX_POINTS = 5000; // the server refuses more buckets than this
const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 };

/** The bucket to chart: the one asked for, else one that suits the period; null when too long. */
function chooseBucket(s) {
  const span = Date.parse(s.to) - Date.parse(s.from);
  const fits = (b) => !(span / BUCKET_MS[b] > MAX_POINTS);
  const auto = period.kind === '24h' ? 'hour' : period.kind === '7d' || period.kind === '30d' || span > 3 * 86_400_000 ? 'day' : 'hour';
  const b = fits(bucket || auto) ? bucket || auto : 'day';
  return fits(b) ? b : null;
}

function renderSeries(ts) {
  const points = Array.isArray(ts?.points) ? ts.points : [];
  const labels = points.map((p) => fmtBucket(p.t, ts?.bucket));
  const series = (key, label, type) => ({
    label, type, data: points.map((p) => Number(p[key]) || 0), backgroundColor: COLORS[key], borderColor: COLORS[key],
    ...(type === 'line' ? { borderWidth: 2, pointRadius: 3, tension: 0.2, order: 1 } : { order: 2 }),
  });
  const datasets = [
    series('delivered', 'Delivered', 'bar'),
    series('rejected_at_smtp', 'Rejected at SMTP', 'bar'),
    series('bounced_after_accept', 'Bounced after accept', 'bar'),
    series('backscatter', 'Backscatter', 'line'),
  ];
  byId('ts-empty').hidden = points.length > 0;
  byId('ts-box').hidden = points.length === 0;
  byId('ts-details').hidden = points.length === 0;
  byId('ts-empty').textContent = ts ? 'No mail in this period.' : `This period is too long to chart (over ${MAX_POINTS} days): choose a shorter one.`;
  drawChart(byId('ts-chart'), {
    type: 'bar', data: { labels, datasets },
    options: {
      interaction: { mode: 'index', intersect: false },
      plugins: { legend: { labels: { sort: (a, b) => a.datasetIndex - b.datasetIndex } } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  chartTable(byId('ts-table'), ts?.bucket === 'day' ? 'Day' : 'Hour', labels, datasets);
}

function renderCauses(s) {
  const entries = Object.entries(s.causes || {}).sort((a, b) => b[1] - a[1]);
  const empty = byId('causes-empty');
  empty.hidden = entries.length > 0;
  byId('causes-box').hidden = entries.length === 0;
  byId('causes-details').hidden = entries.length === 0;
  empty.textContent = entries.length ? '' : `Nothing bounced in this period${s.rejected_at_smtp ? ': every bad recipient was refused during SMTP.' : '.'}`;
  const labels = entries.map(([k]) => k.replace(/_/g, ' '));
  const datasets = [{ label: 'Recipients', data: entries.map(([, n]) => n), backgroundColor: COLORS.bounced_after_accept }];
  drawChart(byId('causes-chart'), {
    type: 'bar', data: { labels, datasets },
    options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  chartTable(byId('causes-table'), 'Cause', labels, datasets);
}

function setBucketButtons(b) {
  byId('bucket-hour').setAttribute('aria-pressed', String(b === 'hour'));
  byId('bucket-day').setAttribute('aria-pressed', String(b === 'day'));
}

/** The period's alerts; an error there is shown there, and the rest of the overview stays. */
async function alertsSection() {
  try {
    renderAlerts(byId('alerts-table'), await periodAlerts(period));
  } catch (e) {
    showError(byId('alerts-table'), e);
  }
}

/** The blocklist watch and the period's refusals; an error there is shown there. */
async function blocklistsSection() {
  try {
    renderBlocklists(byId('blocklists-table'), byId('blocklist-refusals-table'), await periodBlocklists(period), period);
  } catch (e) {
    showError(byId('blocklists-table'), e);
    replace(byId('blocklist-refusals-table'));
  }
}

async function refresh() {
  if (busy) {
    again = true;
    return;
  }
  busy = true;
  void refreshAlerts();
  try {
    const params = apiPeriodParams(period);
    const summary = await getJson('api/summary', params);
    const b = chooseBucket(summary);
    let ts = null;
    if (b) {
      params.set('bucket', b);
      try {
        ts = await getJson('api/timeseries', params);
      } catch (e) {
        if (!(e instanceof ApiError && e.parameter === 'bucket')) throw e;
      }
    }
    setBucketButtons(ts?.bucket);
    renderTiles(summary);
    const info = renderEmpty(summary);
    renderSeries(ts);
    renderCauses(summary);
    renderHosts(byId('hosts-table'), summary.hosts, period);
    await Promise.all([alertsSection(), blocklistsSection()]);
    const noCharts = chartLib() ? '' : ' Charts are unavailable (vendor/chart.umd.min.js did not load).';
    replace(byId('status'), `${info} Updated ${fmtTime(new Date().toISOString())}.${noCharts}`);
    if (!again) setState('ready');
  } catch (e) {
    showError(byId('status'), e);
    setState('error');
  } finally {
    busy = false;
    if (again) {
      again = false;
      void refresh();
    }
  }
}

function pickBucket(b) {
  bucket = b;
  const params = new URLSearchParams(location.search);
  params.set('bucket', b);
  history.replaceState(null, '', `?${params}`);
  setState('loading');
  void refresh();
}

initPage('overview', period);
setState('loading');
mountPeriod(byId('period'), period, (p) => {
  period = p;
  syncNav(p);
  setState('loading');
  void refresh();
});
byId('bucket-hour').addEventListener('click', () => pickBucket('hour'));
byId('bucket-day').addEventListener('click', () => pickBucket('day'));
const live = byId('live');
setInterval(() => {
  if (live.checked && document.visibilityState === 'visible' && !busy) void refresh();
}, 5000);
document.addEventListener('visibilitychange', () => {
  if (live.checked && document.visibilityState === 'visible') void refresh();
});
void refresh();
