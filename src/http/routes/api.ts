// The JSON API: thin routes that validate, query and respond. The dashboard uses only these.
import { Router } from 'express';
import { summarize } from '../../report/summary.ts';
import type { MessageRecord } from '../../correlate/record.ts';
import type { Store } from '../../store/store.ts';
import { BUCKETS, SOURCE_KINDS, type Bucket, type MessageFilter, type Period } from '../../store/types.ts';
import { HttpError, badParam } from '../http-error.ts';
import { int, oneOf, period, str, time } from '../params.ts';
import { alertView } from '../../alerts/view.ts';
import { blocklistReport } from '../../report/blocklist-status.ts';

const OUTCOMES = ['delivered', 'bounced_after_accept', 'rejected_at_smtp', 'discarded', 'pending'] as const;
const MAX_POINTS = 5000;

export function apiRouter(store: Store, recommendations: (p: Period) => Promise<unknown[]>): Router {
  const r = Router();

  // Every route that takes from/to takes host= too (params.ts): the period then reads that host alone.
  r.get('/summary', async (req, res) => {
    const p = await period(req, store);
    res.json({ ...(await summarize(store, p.from, p.to, p.host)), hosts: await store.hostTotals(p) });
  });

  r.get('/timeseries', async (req, res) => {
    // Chart only where there is data: a long custom period still gives a short series.
    const asked = await period(req, store);
    const data = await store.period(undefined, undefined, asked.host);
    const p: Period = { ...asked, from: Math.max(asked.from, data.from), to: Math.max(Math.min(asked.to, data.to), Math.max(asked.from, data.from)) };
    // Hours unless asked otherwise; days when the period has too many hours for one chart.
    const hours = (p.to - p.from) / BUCKETS.hour;
    const bucket = oneOf<Bucket>(req, 'bucket', ['hour', 'day'], hours > MAX_POINTS ? 'day' : 'hour');
    if ((p.to - p.from) / BUCKETS[bucket] > MAX_POINTS) throw badParam('bucket', `the period has more than ${MAX_POINTS} ${bucket}s; use a larger bucket or a shorter period`);
    res.json({ bucket, points: await store.timeseries(p, bucket) });
  });

  r.get('/sources', async (req, res) => {
    const p = await period(req, store);
    const kind = oneOf(req, 'kind', SOURCE_KINDS);
    res.json({ kind, rows: await store.sources(p, kind, int(req, 'limit', 100, 1, 1000)) });
  });

  r.get('/messages', async (req, res) => {
    const p = await period(req, store);
    const f: MessageFilter = {};
    for (const k of ['q', 'client_ip', 'sender_domain', 'domain', 'recipient', 'cause'] as const) {
      const v = str(req, k);
      if (v !== undefined && v !== '') f[k] = v;
    }
    const mta = str(req, 'mta');
    if (mta) f.mta = oneOf(req, 'mta', ['postfix', 'exim']);
    const outcome = str(req, 'outcome');
    if (outcome) f.outcome = oneOf(req, 'outcome', OUTCOMES);
    const bs = str(req, 'backscatter');
    if (bs !== undefined && bs !== '' && bs !== '0' && bs !== '1') throw badParam('backscatter', 'must be 0 or 1');
    if (bs === '1') f.backscatter = true;
    const limit = int(req, 'limit', 50, 1, 500);
    const offset = int(req, 'offset', 0, 0, 10_000_000);
    const { total, capped } = await store.countMessages(p, f);
    const items: MessageRecord[] = [];
    for await (const m of store.messages(p, f, { limit, offset })) items.push(m);
    res.json({ total, total_capped: capped, items });
  });

  r.get('/messages/:host/:queueId', async (req, res) => {
    const t = await store.messageTrace(req.params.host, req.params.queueId);
    if (!t) throw new HttpError(404, `no message ${req.params.queueId} on ${req.params.host}`);
    res.json(t);
  });

  r.get('/recommendations', async (req, res) => {
    const p = await period(req, store);
    res.json({ items: await recommendations(p) });
  });

  // Alert history, newest first; from/to bound when they started (log time). The dashboard's
  // banner asks for state=firing.
  r.get('/alerts', async (req, res) => {
    const state = oneOf(req, 'state', ['firing', 'resolved', 'any'], 'any');
    const from = time(req, 'from');
    const to = time(req, 'to');
    const rows = await store.alerts({
      ...(state === 'any' ? {} : { state }), ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }),
      limit: int(req, 'limit', 100, 1, 1000),
    });
    res.json({ items: rows.map(alertView) });
  });

  // The blocklist watch: our addresses at each list (serve checks them), and the period's
  // refusals of our mail that name a list, by destination domain.
  r.get('/blocklists', async (req, res) => {
    res.json(await blocklistReport(store, await period(req, store)));
  });

  r.use((_req, _res) => {
    throw new HttpError(404, 'no such API endpoint');
  });
  return r;
}
