// From the configuration to the alert engine's settings and channels. A channel that is
// configured but cannot work (email without a sendmail or an smtp:// transport) stops
// start-up, naming its key.
import { existsSync } from 'node:fs';
import { ConfigError } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { parseTransport, SENDMAIL } from '../digest/mail.ts';
import { EmailChannel } from './email.ts';
import type { RuleSettings } from './rules.ts';
import type { Channel } from './types.ts';
import { WebhookChannel } from './webhook.ts';

export function ruleSettings(cfg: Config): RuleSettings {
  return {
    rules: cfg.alert_rules,
    windowMs: cfg.alert_window_minutes * 60_000,
    backscatterNdrs: cfg.alert_backscatter_ndrs,
    backscatterPercent: cfg.alert_backscatter_percent,
    newSourceNdrs: cfg.alert_new_source_ndrs,
    newSourceDays: cfg.alert_new_source_days,
    scanRejects: cfg.alert_scan_rejects,
    refusedNdrs: cfg.alert_refused_ndrs,
  };
}

export function alertChannels(cfg: Config, sendmailPath = SENDMAIL): Channel[] {
  const channels: Channel[] = [];
  if (cfg.alert_webhook_url) channels.push(new WebhookChannel(cfg.alert_webhook_url, cfg.alert_webhook_secret));
  if (cfg.alert_email_to.length > 0) {
    if (!cfg.alert_transport && !existsSync(sendmailPath)) {
      throw new ConfigError(`config key "alert_email_to" is set, but there is no ${sendmailPath}: set "alert_transport" to smtp://HOST:PORT`);
    }
    let t: ReturnType<typeof parseTransport>;
    try {
      t = parseTransport(cfg.alert_transport ?? 'sendmail', sendmailPath);
    } catch (e) {
      throw new ConfigError(`config key "alert_transport": ${(e as Error).message.replace(/^--transport: /, '')}`);
    }
    if (t.kind === 'stdout') throw new ConfigError('config key "alert_transport": must be sendmail or smtp://HOST:PORT');
    channels.push(new EmailChannel(t, cfg.alert_email_to, cfg.alert_email_from));
  } else if (cfg.alert_transport || cfg.alert_email_from) {
    throw new ConfigError(`config key "${cfg.alert_transport ? 'alert_transport' : 'alert_email_from'}" is set but "alert_email_to" is not: say whom to mail`);
  }
  return channels;
}

/** The dashboard's address in alerts: configured, or what serve listens on (a host name when one is given). */
export function dashboardUrl(cfg: Config): string {
  if (cfg.alert_dashboard_url) return cfg.alert_dashboard_url.replace(/\/?$/, '/');
  const port = cfg.listen.replace(/^.*:/, '');
  const name = cfg.hostnames[0] ?? cfg.listen.replace(/:\d+$/, '');
  const shown = name === '0.0.0.0' || name === '[::]' || name === '' ? 'localhost' : name;
  return `http://${shown}:${port}/`;
}
