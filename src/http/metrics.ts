// GET /metrics: Prometheus text. Totals are read from the database at scrape time, so they
// survive restarts; the follower's lag comes from the live service.
import { Registry, Gauge, Counter } from 'prom-client';
import type { Db } from '../store/db.ts';
import { countGaps } from '../store/positions.ts';
import { rollupsReady } from '../store/rollups.ts';

export interface LiveMetrics {
  secondsSinceCommit(): number | null;
  linesPending(): number;
}

export function metricsRegistry(db: Db, live?: LiveMetrics): Registry {
  const reg = new Registry();
  const q = <T>(sql: string) => db.prepare(sql).all() as T[];
  // Totals over all stored hours: from the rollups when they can be read (rollups.ts), else raw.
  const rolled = <T>(sql: string, raw: string) => q<T>(rollupsReady(db) ? sql : raw);
  new Gauge({
    name: 'bouncewatch_messages_total', help: 'Messages by outcome (all stored data)', labelNames: ['outcome'], registers: [reg],
    collect() {
      this.reset();
      for (const r of rolled<{ outcome: string; n: number }>(`SELECT outcome, n FROM (SELECT 'delivered' AS outcome, sum(delivered) AS n FROM rollup_hours
        UNION ALL SELECT 'bounced_after_accept', sum(o_bounced) FROM rollup_hours UNION ALL SELECT 'rejected_at_smtp', sum(o_rejected) FROM rollup_hours
        UNION ALL SELECT 'discarded', sum(o_discarded) FROM rollup_hours UNION ALL SELECT 'pending', sum(o_pending) FROM rollup_hours) WHERE n > 0`,
      'SELECT outcome, count(*) AS n FROM messages GROUP BY outcome')) this.set({ outcome: r.outcome }, r.n);
    },
  });
  new Gauge({
    name: 'bouncewatch_failed_recipients_total', help: 'Recipients that failed after acceptance, by cause', labelNames: ['cause'], registers: [reg],
    collect() {
      this.reset();
      for (const r of rolled<{ cause: string; n: number }>('SELECT cause, sum(n) AS n FROM rollup_failed GROUP BY cause',
        'SELECT cause, count(*) AS n FROM recipients WHERE cause IS NOT NULL GROUP BY cause')) this.set({ cause: r.cause }, r.n);
    },
  });
  new Gauge({
    name: 'bouncewatch_backscatter_total', help: 'NDRs sent to forged senders (backscatter)', registers: [reg],
    collect() {
      // Every NDR of a backscatter message (migration 0011): a message bounced twice sent two.
      this.set(rolled<{ n: number }>('SELECT sum(backscatter_ndrs) AS n FROM rollup_hours', "SELECT count(*) AS n FROM notifications nt JOIN messages m ON m.id = nt.message WHERE m.backscatter = 1 AND nt.type = 'non_delivery'")[0]?.n ?? 0);
    },
  });
  new Gauge({
    name: 'bouncewatch_smtp_rejects_total', help: 'Rejections during the SMTP session', registers: [reg],
    collect() {
      this.set(rolled<{ n: number }>('SELECT sum(rejected) AS n FROM rollup_rejects',
        "SELECT count(*) AS n FROM smtp_rejects WHERE action IN ('reject', 'milter-reject')")[0]?.n ?? 0);
    },
  });
  new Gauge({
    name: 'bouncewatch_log_lines_total', help: 'Log lines read, by class', labelNames: ['class'], registers: [reg],
    collect() {
      const r = q<{ mail: number | null; unknown: number | null; other: number | null }>('SELECT sum(mail) AS mail, sum(unknown) AS unknown, sum(other) AS other FROM line_counts')[0];
      for (const c of ['mail', 'unknown', 'other'] as const) this.set({ class: c }, r?.[c] ?? 0);
    },
  });
  new Counter({
    name: 'bouncewatch_follower_gaps_total', help: 'Times serve could not read part of a followed log (lines lost), by reason',
    labelNames: ['reason'], registers: [reg],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(countGaps(db))) this.inc({ reason }, n);
    },
  });
  if (live) {
    new Gauge({
      name: 'bouncewatch_follower_seconds_since_commit', help: 'Seconds since the follower last committed (lag)', registers: [reg],
      collect() {
        this.set(live.secondsSinceCommit() ?? -1);
      },
    });
    new Gauge({
      name: 'bouncewatch_follower_lines_pending', help: 'Lines read but not yet committed', registers: [reg],
      collect() {
        this.set(live.linesPending());
      },
    });
  }
  return reg;
}
