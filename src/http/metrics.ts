// Prometheus metrics (/metrics): totals over the stored data, read from the store once per
// scrape (store/sqlite/metrics.ts), and the follower's lag when serve runs.
import { Registry, Gauge, Counter } from 'prom-client';
import type { Store } from '../store/store.ts';
import type { ChannelStatus } from '../alerts/notifier.ts';
import type { MetricTotals } from '../store/types.ts';

export interface LiveMetrics {
  secondsSinceCommit(): number | null;
  linesPending(): number;
  /** With alerting: alerts firing, and what each channel did. */
  alerts?(): { firing: number; channels: ChannelStatus[] };
}

export function metricsRegistry(store: Store, live?: LiveMetrics): Registry {
  const reg = new Registry();
  // One read of the store per scrape, shared by every metric's collect().
  let scrape: Promise<MetricTotals> | undefined;
  const totals = () => {
    scrape ??= store.metricTotals().finally(() => setImmediate(() => (scrape = undefined)));
    return scrape;
  };
  new Gauge({
    name: 'bouncewatch_messages_total', help: 'Messages by outcome (all stored data)', labelNames: ['outcome'], registers: [reg],
    async collect() {
      const t = await totals();
      this.reset();
      for (const r of t.outcomes) this.set({ outcome: r.outcome }, r.n);
    },
  });
  new Gauge({
    name: 'bouncewatch_failed_recipients_total', help: 'Recipients that failed after acceptance, by cause', labelNames: ['cause'], registers: [reg],
    async collect() {
      const t = await totals();
      this.reset();
      for (const r of t.causes) this.set({ cause: r.cause }, r.n);
    },
  });
  new Gauge({
    name: 'bouncewatch_backscatter_total', help: 'NDRs sent to forged senders (backscatter)', registers: [reg],
    async collect() {
      this.set((await totals()).backscatterNdrs);
    },
  });
  new Gauge({
    name: 'bouncewatch_smtp_rejects_total', help: 'Rejections during the SMTP session', registers: [reg],
    async collect() {
      this.set((await totals()).smtpRejects);
    },
  });
  new Gauge({
    name: 'bouncewatch_log_lines_total', help: 'Log lines read, by class', labelNames: ['class'], registers: [reg],
    async collect() {
      const l = (await totals()).lines;
      for (const c of ['mail', 'unknown', 'other'] as const) this.set({ class: c }, l[c]);
    },
  });
  new Counter({
    name: 'bouncewatch_follower_gaps_total', help: 'Times serve could not read part of a followed log (lines lost), by reason',
    labelNames: ['reason'], registers: [reg],
    async collect() {
      const gaps = (await totals()).gaps;
      this.reset();
      for (const [reason, n] of Object.entries(gaps)) this.inc({ reason }, n);
    },
  });
  new Gauge({
    name: 'bouncewatch_dnsbl_listed', help: 'Our address on a DNS blocklist (1) or not (0), as the blocklist watch last found it', labelNames: ['address', 'zone'],
    registers: [reg],
    async collect() {
      this.reset();
      for (const r of await store.blocklistStatus()) if (r.status !== 'unknown') this.set({ address: r.address, zone: r.zone }, r.status === 'listed' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'bouncewatch_dnsbl_check_failing', help: 'The last blocklist lookup of this address at this list failed (timeout, SERVFAIL, resolver refused)',
    labelNames: ['address', 'zone'], registers: [reg],
    async collect() {
      this.reset();
      for (const r of await store.blocklistStatus()) this.set({ address: r.address, zone: r.zone }, r.last_error === null ? 0 : 1);
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
    const alerts = live.alerts;
    if (alerts) {
      new Gauge({
        name: 'bouncewatch_alerts_firing', help: 'Alerts firing now', registers: [reg],
        collect() {
          this.set(alerts().firing);
        },
      });
      // Every (channel, result) series exists from the start at 0: a rule on increase() sees the first failure.
      new Counter({
        name: 'bouncewatch_alert_notifications_total', help: 'Alert notifications sent and failed sends (each retry counts), by channel',
        labelNames: ['channel', 'result'], registers: [reg],
        collect() {
          this.reset();
          for (const c of alerts().channels) {
            this.inc({ channel: c.channel, result: 'sent' }, c.sent);
            this.inc({ channel: c.channel, result: 'failed' }, c.failed);
          }
        },
      });
      new Gauge({
        name: 'bouncewatch_alert_notifications_pending', help: 'Alert notifications waiting to be sent (being retried), by channel',
        labelNames: ['channel'], registers: [reg],
        collect() {
          this.reset();
          for (const c of alerts().channels) this.set({ channel: c.channel }, c.pending);
        },
      });
    }
  }
  return reg;
}
