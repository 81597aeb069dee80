// `bouncewatch serve`: follows the configured logs into the database and runs the web app.
// Handles SIGTERM/SIGINT (commit, close, exit 0), SIGHUP (reopen the logs) and daily retention.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertEngine } from '../alerts/engine.ts';
import { alertChannels, dashboardUrl, ruleSettings } from '../alerts/settings.ts';
import type { Config } from '../config/schema.ts';
import { createApp } from '../http/app.ts';
import { resolveListen, type ListenAt } from '../http/listen.ts';
import { isPostgresUrl, lockStore, openStore, redactLocation } from '../store/open.ts';
import { StoreBusyError, StoreUnavailableError } from '../store/store.ts';
import { fillDemo, DEMO_LOGS } from './demo.ts';
import { BlocklistWatch } from './blocklist-watch.ts';
import { FollowLoop } from './follow-loop.ts';
import type { Logger } from './logger.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** How often serve brings the hourly rollups up to date. */
const ROLLUP_REFRESH_MS = 15_000;
/**
 * How long one write waits for another writer (an `advise` or `report` refreshing the
 * rollups) before serve gives up that try and retries later: short, as the wait blocks the web
 * server too.
 */
const SERVE_BUSY_MS = 500;

export interface ServeOptions {
  /** No log was configured anywhere and none of the usual ones exist: serve the demo. */
  demo: boolean;
  /** What start-up looked at and did not find, said in the demo's warning. */
  why?: string;
}

// Not app.listen: express 5 hands a listen error to its callback, which would report serving.
function listenOn(app: ReturnType<typeof createApp>, at: ListenAt): Promise<Server> {
  const server = createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.address, () => resolve(server));
  });
}

function shown(server: Server): string {
  const a = server.address() as AddressInfo;
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** The start-up line's `dashboard: URL`, from the address bound (every address: any of the host's). */
function dashboard(server: Server): string {
  const a = server.address() as AddressInfo;
  const url = `dashboard: http://${shown(server)}/`;
  return a.address === '0.0.0.0' || a.address === '::' ? `${url} (listening on every address: any address of this host works)` : url;
}

/** Alerts are judged at least this often, and at most this often after commits. */
const ALERT_EVERY_MS = 30_000;
const ALERT_MIN_GAP_MS = 1000;
/** No line read for this long: the follower has caught up, and the window can end now. */
const IDLE_MS = 2000;

/**
 * When serve judges the alerts: soon after each commit (at most once a second) and every 30 s
 * (so a burst that ended resolves on a quiet server). The window ends now (wall clock), but
 * only while the lines read are recent: catching up on old history (a first start on a
 * long log) alerts on nothing until it reaches the present.
 */
function scheduleAlerts(engine: AlertEngine, loop: FollowLoop, cfg: Config, log: Logger) {
  const windowMs = cfg.alert_window_minutes * 60_000;
  let lastLogTime: number | null = null;
  let lastRun = 0;
  let timer: NodeJS.Timeout | undefined;
  let failing = false;
  const waiting = () => {
    const now = Date.now();
    const idle = loop.stats.pending === 0 && now - (loop.stats.lastLineAt ?? 0) > IDLE_MS;
    return lastLogTime !== null && lastLogTime < now - windowMs && !idle;
  };
  // One evaluation at a time: commits during one ask for another after it, not for a pile.
  let busy = false;
  let again = false;
  const run = () => {
    timer = undefined;
    if (busy) {
      again = true;
      return;
    }
    if (waiting()) return;
    busy = true;
    engine.evaluate(Date.now()).then(() => {
      if (failing) log.info('alerts: evaluating works again');
      failing = false;
    }, (e: unknown) => {
      // A database that is busy or down: the next turn tries again; reading goes on.
      if (!failing) log.warn({ err: (e as Error).message }, 'alerts: evaluating the rules failed; trying again');
      failing = true;
    }).finally(() => {
      busy = false;
      lastRun = Date.now();
      if (again) {
        again = false;
        kick();
      }
    });
  };
  const kick = () => {
    timer ??= setTimeout(run, Math.max(0, lastRun + ALERT_MIN_GAP_MS - Date.now()));
  };
  loop.onCommit = (t) => {
    if (t !== null) lastLogTime = t;
    kick();
  };
  const every = setInterval(kick, ALERT_EVERY_MS);
  every.unref();
  return {
    waiting,
    kick,
    stop: () => {
      clearInterval(every);
      if (timer) clearTimeout(timer);
      loop.onCommit = undefined;
      engine.stop();
    },
  };
}

/** A shared database that is down at start-up is waited for (and said so), not given up on. */
async function whenReachable<T>(log: Logger, open: () => Promise<T>): Promise<T> {
  for (let wait = 1000; ; wait = Math.min(wait * 2, 30_000)) {
    try {
      return await open();
    } catch (e) {
      if (!(e instanceof StoreUnavailableError)) throw e;
      log.warn({ err: e.message, retry_in_s: wait / 1000 }, 'the database cannot be reached: waiting for it');
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

export async function serve(cfg: Config, log: Logger, opts: ServeOptions): Promise<void> {
  // Before the lock: a listen address that is refused, or an alert channel that cannot work,
  // must leave nothing behind.
  const at = await resolveListen(cfg.listen, cfg.token !== undefined);
  const channels = opts.demo ? [] : alertChannels(cfg);
  let dbPath = cfg.db;
  if (opts.demo && isPostgresUrl(cfg.db)) {
    // A demo's made-up mail does not belong in a fleet's shared database.
    throw new Error(`no mail log to follow (${opts.why ?? 'nothing found'}): give --log PATH (or "logs" in the config); the demo runs only on an SQLite file, not on ${redactLocation(cfg.db)}`);
  }
  if (opts.demo) {
    dbPath = cfg.db.replace(/(\.db)?$/, '-demo.db');
    log.warn({ demo_db: dbPath },
      `no mail log and no configuration (${opts.why ?? 'nothing found'}): serving a demo database built from the logs in demo/ (a real Postfix and Exim); give --log PATH (or "logs" in a config file) to follow your server`);
  }
  // An import into the same database is waited for: it ends by itself. Another serve is refused.
  const lock = await whenReachable(log, () => lockStore(dbPath, {
    agent: cfg.agent, role: 'serve', waitFor: ['import'], onWait: (holder, msg) => log.warn({ holder }, msg),
    onLost: (msg) => {
      log.fatal(msg);
      log.flush();
      process.exit(1);
    },
  }));
  if (lock.tookOver) log.warn({ previous: lock.tookOver }, 'took over the database lock of a process that is gone (it crashed or was killed)');
  const unlock = lock.release;
  const store = await whenReachable(log, () => openStore(dbPath, { busyMs: SERVE_BUSY_MS, agent: cfg.agent }));
  if (opts.demo && (await store.messageCount()) === 0) {
    const lines = await fillDemo(store, new Date().getFullYear());
    log.info({ lines, files: DEMO_LOGS }, 'demo database filled');
  }
  const loop = await FollowLoop.open(store, opts.demo ? { ...cfg, logs: [] } : cfg, log);
  // The demo's mail is old and made up: nothing to alert on.
  const alerts = opts.demo || cfg.alert_rules.length === 0 ? undefined
    : new AlertEngine(store, { settings: ruleSettings(cfg), cooldownMs: cfg.alert_cooldown_minutes * 60_000, dashboardUrl: dashboardUrl(cfg), channels, log });
  const alerting = alerts && scheduleAlerts(alerts, loop, cfg, log);
  // A new listing or a delisting is judged at once, not at the next commit.
  const watch = opts.demo ? undefined : new BlocklistWatch(store, cfg, log, () => alerting?.kick());
  let state: 'starting' | 'ok' | 'stopping' = 'starting';
  const app = createApp({
    store,
    ...(cfg.token !== undefined ? { token: cfg.token } : {}),
    publicHealth: cfg.public_health,
    hostnames: [...cfg.hostnames, at.name],
    log,
    live: {
      secondsSinceCommit: () => (loop.stats.lastCommitAt === null ? null : (Date.now() - loop.stats.lastCommitAt) / 1000),
      linesPending: () => loop.stats.pending,
      ...(alerts ? { alerts: () => ({ firing: alerts.firing, channels: alerts.notifier.status() }) } : {}),
    },
    health: async () => ({
      status: state,
      demo: opts.demo,
      db: store.location,
      lines_read: loop.stats.lines,
      lines_pending: loop.stats.pending,
      commits: loop.stats.commits,
      open_messages: loop.openMessages,
      waiting_for_database: loop.waitingForDatabase,
      database_error: loop.databaseError,
      busy_retries: loop.stats.busyRetries,
      lock_taken_over_from: lock.tookOver ?? null,
      seconds_since_commit: loop.stats.lastCommitAt === null ? null : (Date.now() - loop.stats.lastCommitAt) / 1000,
      files: loop.files,
      // Null while the database cannot be asked (a PostgreSQL restart): /healthz still answers.
      follower_gaps: await store.gapCounts().then((g) => Object.values(g).reduce((a, n) => a + n, 0), () => null),
      blocklists: watch?.enabled ? watch.status : null,
      alerts: alerts ? {
        rules: cfg.alert_rules, firing: alerts.firing, last_evaluation: alerts.last, error: alerts.lastError,
        waiting_for_live_lines: alerting?.waiting() ?? false, channels: alerts.notifier.status(),
      } : null,
    }),
  });
  const server = await listenOn(app, at);

  const retention = async () => {
    try {
      const r = await store.retain(cfg.retention_days);
      if (r.messages + r.rejects > 0) log.info({ ...r, days: cfg.retention_days }, 'retention: deleted old data');
    } catch (e) {
      if (!(e instanceof StoreBusyError)) throw e;
      log.warn({ err: (e as Error).message }, 'retention: the database is busy or unreachable; trying again in an hour');
      setTimeout(() => void retention(), HOUR).unref();
    }
  };
  await retention();
  const daily = setInterval(() => void retention(), DAY);
  // The hourly rollups, kept up to date as lines arrive: SQLite's readers refresh them
  // themselves, a shared PostgreSQL's may be dashboards that only read (one agent refreshes at
  // a time; the others skip). A busy or unreachable database is left for the next turn.
  const refresh = setInterval(() => void store.refreshRollups().catch((e: unknown) => {
    if (!(e instanceof StoreBusyError)) log.warn({ err: (e as Error).message }, 'refreshing the hourly rollups failed; trying again');
  }), ROLLUP_REFRESH_MS);
  refresh.unref();
  try {
    await alerts?.resume();
    await loop.start();
    watch?.start();
  } catch (e) {
    alerting?.stop();
    clearInterval(daily);
    clearInterval(refresh);
    server.close();
    server.closeAllConnections();
    await store.close();
    unlock();
    throw e;
  }
  // Reading stopped on an error (the database failed): say so and exit, rather than serve stale data.
  void loop.finished.catch((e: unknown) => {
    log.fatal({ err: (e as Error).message }, 'reading the logs failed: stopping');
    log.flush();
    process.exit(1);
  });
  state = 'ok';
  // Said once everything has started, in the same turn as the signal handlers below are set:
  // whoever reacts to this line can already stop serve cleanly.
  log.info(dashboard(server));
  log.info({ listen: cfg.listen, address: shown(server), db: store.location, logs: opts.demo ? [] : cfg.logs }, 'bouncewatch serving');

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      if (state === 'stopping') return;
      state = 'stopping';
      log.info({ signal }, 'stopping: committing what was read');
      alerting?.stop();
      clearInterval(daily);
      clearInterval(refresh);
      watch?.stop();
      void loop.stop().then(() => {
        server.close();
        server.closeAllConnections();
        void store.close().then(() => {
          unlock();
          log.info('stopped cleanly');
          resolve();
        });
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      log.info('SIGHUP: reopening the logs and checking the blocklists now');
      void watch?.now();
      // A failure here is the loop's own, reported through `finished`.
      loop.reopen().catch(() => undefined);
    });
  });
}
