// Evaluates the alert rules over a sliding window of log time and turns what changed into
// notifications: a condition that starts to hold opens an alert (unless the same one resolved
// within the cooldown), a firing alert whose condition no longer holds resolves. The alerts
// table is the state, so a restart, or several agents sharing one PostgreSQL, fire and resolve
// each alert once: the store's unique firing (rule, key) and its resolve-once decide who notifies.
import type { Logger } from '../daemon/logger.ts';
import type { Store } from '../store/store.ts';
import type { AlertRow } from '../store/types.ts';
import { NewSources } from './new-sources.ts';
import { Notifier, type NotifierOptions } from './notifier.ts';
import { plainValue } from './render.ts';
import { evaluateRules, type RuleSettings } from './rules.ts';
import type { AlertEvidence, Channel, Condition, Notice, Part } from './types.ts';

const DAY = 86_400_000;

export interface EngineOptions {
  settings: RuleSettings;
  cooldownMs: number;
  /** The dashboard's address for links (ending in /), or null. */
  dashboardUrl: string | null;
  channels: Channel[];
  log: Logger;
  notifier?: NotifierOptions;
}

export interface EvaluationStatus {
  /** Wall clock of the last evaluation, and the window's end (log time) it judged. */
  at: string;
  window_end: string;
  took_ms: number;
  holding: number;
}

const keyOf = (a: { rule: string; key: string }) => `${a.rule}\u0000${a.key}`;
const plainTitle = (parts: Part[]) => parts.map((p) => (typeof p === 'string' ? p : plainValue(p.v))).join('');

/** The dashboard page of an alert's evidence, filtered and narrowed to its window. */
export function linkOf(dashboardUrl: string | null, e: AlertEvidence): string | null {
  if (!dashboardUrl) return null;
  const q = new URLSearchParams({ ...e.filter, from: e.from, to: e.to });
  return `${dashboardUrl.replace(/\/?$/, '/')}${e.page}?${q}`;
}

export class AlertEngine {
  readonly notifier: Notifier;
  private readonly sources: NewSources;
  private running: Promise<void> | undefined;
  last: EvaluationStatus | null = null;
  lastError: string | null = null;
  firing = 0;
  /** Alerts this engine opened and resolved (the others' are not counted). */
  readonly counts = { fired: 0, resolved: 0 };

  constructor(private readonly store: Store, private readonly o: EngineOptions) {
    this.sources = new NewSources(o.settings.newSourceDays);
    this.notifier = new Notifier(o.channels, o.log, (n) => store.markNotified(n.alert.id, n.kind === 'resolved' ? 'resolved' : 'firing'), o.notifier);
  }

  notice(kind: Notice['kind'], alert: AlertRow): Notice {
    return { kind, alert, link: linkOf(this.o.dashboardUrl, JSON.parse(alert.evidence) as AlertEvidence) };
  }

  /** Sends what the last run did not get out: notifications of the last day not every channel took. */
  async resume(now = Date.now()): Promise<number> {
    if (this.notifier.channels === 0) return 0;
    let n = 0;
    for (const a of await this.store.alerts({ from: now - DAY, limit: 1000 })) {
      if (!a.notified_firing) {
        this.notifier.send(this.notice('firing', a));
        n++;
      }
      if (a.state === 'resolved' && !a.notified_resolved) {
        this.notifier.send(this.notice('resolved', a));
        n++;
      }
    }
    return n;
  }

  /**
   * Judges the window that ends at `end` (log time). Calls never overlap: one that comes while
   * another runs waits for it and then runs with its own end.
   */
  async evaluate(end: number, wallNow = Date.now()): Promise<void> {
    const before = this.running;
    const run = (async () => {
      await before?.catch(() => undefined);
      await this.judge(end, wallNow);
    })();
    this.running = run;
    try {
      await run;
      this.lastError = null;
    } catch (e) {
      this.lastError = (e as Error).message;
      throw e;
    } finally {
      if (this.running === run) this.running = undefined;
    }
  }

  private async judge(end: number, wallNow: number): Promise<void> {
    const t0 = Date.now();
    const s = this.o.settings;
    const w = { from: end - s.windowMs, to: end + 1 };
    const { conditions, counts } = await evaluateRules(this.store, w, s, this.sources);
    const firing = await this.store.alerts({ state: 'firing', limit: 10_000 });
    const holding = new Set(conditions.map(keyOf));
    for (const a of firing) {
      if (holding.has(keyOf(a)) || a.started_at > end) continue;
      // A new source stays firing while it keeps producing: it is no longer new, but not over.
      if (a.rule === 'new_source' && s.rules.includes('new_source') && (counts.get(a.key) ?? 0) >= s.newSourceNdrs) continue;
      if (!(await this.store.resolveAlert(a.id, end))) continue;
      const resolved: AlertRow = { ...a, state: 'resolved', resolved_at: end };
      this.counts.resolved++;
      this.o.log.info({ alert: a.id, rule: a.rule, key: plainValue(a.key) }, `alert resolved: ${a.title}`);
      this.notifier.send(this.notice('resolved', resolved));
    }
    const open = new Set(firing.map(keyOf));
    for (const c of conditions) {
      if (open.has(keyOf(c)) || (await this.coolingDown(c, end))) continue;
      const row = await this.store.openAlert({
        rule: c.rule, key: c.key, host: c.host, started_at: end, fired_at: wallNow, title: plainTitle(c.title), value: c.value,
        threshold: c.threshold, evidence: JSON.stringify(c.evidence),
      });
      if (!row) continue;
      this.counts.fired++;
      this.o.log.warn({ alert: row.id, rule: c.rule, key: plainValue(c.key), value: c.value, threshold: c.threshold }, `alert firing: ${row.title}`);
      this.notifier.send(this.notice('firing', row));
    }
    this.firing = (await this.store.alerts({ state: 'firing', limit: 10_000 })).length;
    this.last = { at: new Date(wallNow).toISOString(), window_end: new Date(end).toISOString(), took_ms: Date.now() - t0, holding: conditions.length };
  }

  /** The same (rule, key) resolved less than the cooldown ago (log time): not again yet. */
  private async coolingDown(c: Condition, end: number): Promise<boolean> {
    if (this.o.cooldownMs <= 0) return false;
    const last = (await this.store.alerts({ rule: c.rule, key: c.key, state: 'resolved', limit: 1 }))[0];
    return last?.resolved_at !== null && last !== undefined && end - last.resolved_at < this.o.cooldownMs;
  }

  /**
   * `import --alerts`: judges the imported span [from, to] of log time as serve would have,
   * window after window (a quarter of the window apart), and waits for the notifications.
   */
  async replay(from: number, to: number, wallNow = Date.now()): Promise<{ evaluations: number }> {
    const step = Math.max(60_000, Math.floor(this.o.settings.windowMs / 4));
    let n = 0;
    for (let t = from + step; ; t += step) {
      await this.evaluate(Math.min(t, to + 1000), wallNow);
      n++;
      if (t >= to + 1000) break;
    }
    // Past the span: what was still holding at its end resolves once the window has passed
    // only when more log comes (serve, or the next import); here it stays firing.
    await this.notifier.drained();
    return { evaluations: n };
  }

  stop(): void {
    this.notifier.stop();
  }
}
