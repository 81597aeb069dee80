// The JSON API: thin routes that validate, query and respond. The dashboard uses only these.
import { Router } from 'express';
import { summarize } from '../../report/summary.ts';
import { BUCKETS, SOURCE_KINDS, sources, timeseries, messageTrace, type Bucket } from '../../store/dashboard-queries.ts';
import type { Db } from '../../store/db.ts';
import { countMessagesCapped, listMessages, resolvePeriod, type MessageFilter } from '../../store/queries.ts';
import { HttpError, badParam } from '../http-error.ts';
import { int, oneOf, period, str } from '../params.ts';

const OUTCOMES = ['delivered', 'bounced_after_accept', 'rejected_at_smtp', 'discarded', 'pending'] as const;
const MAX_POINTS = 5000;

export function apiRouter(db: Db, recommendations: (from: number, to: number) => unknown[]): Router {
  const r = Router();

  r.get('/summary', (req, res) => {
    const p = period(req, db);
    res.json(summarize(db, p.from, p.to));
  });

  r.get('/timeseries', (req, res) => {
    // Chart only where there is data: a long custom period still gives a short series.
    const asked = period(req, db);
    const data = resolvePeriod(db);
    const p = { from: Math.max(asked.from, data.from), to: Math.max(Math.min(asked.to, data.to), Math.max(asked.from, data.from)) };
    // Hours unless asked otherwise; days when the period has too many hours for one chart.
    const hours = (p.to - p.from) / BUCKETS.hour;
    const bucket = oneOf<Bucket>(req, 'bucket', ['hour', 'day'], hours > MAX_POINTS ? 'day' : 'hour');
    if ((p.to - p.from) / BUCKETS[bucket] > MAX_POINTS) throw badParam('bucket', `the period has more than ${MAX_POINTS} ${bucket}s; use a larger bucket or a shorter period`);
    res.json({ bucket, points: timeseries(db, p, bucket) });
  });

  r.get('/sources', (req, res) => {
    const p = period(req, db);
    const kind = oneOf(req, 'kind', SOURCE_KINDS);
    res.json({ kind, rows: sources(db, p, kind, int(req, 'limit', 100, 1, 1000)) });
  });

  r.get('/messages', (req, res) => {
    const p = period(req, db);
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
    const { total, capped } = countMessagesCapped(db, p, f);
    res.json({ total, total_capped: capped, items: [...listMessages(db, p, f, { limit, offset })] });
  });

  r.get('/messages/:host/:queueId', (req, res) => {
    const t = messageTrace(db, req.params.host, req.params.queueId);
    if (!t) throw new HttpError(404, `no message ${req.params.queueId} on ${req.params.host}`);
    res.json(t);
  });

  r.get('/recommendations', (req, res) => {
    const p = period(req, db);
    res.json({ items: recommendations(p.from, p.to) });
  });

  r.use((_req, _res) => {
    throw new HttpError(404, 'no such API endpoint');
  });
  return r;
}
