// `bouncewatch alerts`: the alerts serve raised, newest first (text or JSON), and
// `bouncewatch alerts test`: a test notification on every configured channel, each one's
// result printed, exit 1 when any failed.
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { alertChannels, dashboardUrl } from '../alerts/settings.ts';
import { linkOf } from '../alerts/engine.ts';
import { alertView } from '../alerts/view.ts';
import type { AlertEvidence } from '../alerts/types.ts';
import { terminalJson, visibleLines } from '../report/terminal-text.ts';
import type { AlertRow } from '../store/types.ts';
import { commandConfig, periodFlags, withDatabase, withPeriod, withStore, type PeriodOptions, type SharedOptions } from './options.ts';

interface ListOptions extends SharedOptions, PeriodOptions {
  state?: string;
  limit: string;
  json?: boolean;
}

function line(a: ReturnType<typeof alertView>): string[] {
  const until = a.resolved_at ? `resolved ${a.resolved_at}` : 'FIRING';
  return [`${a.started_at}  ${until.padEnd(32)} ${a.rule.padEnd(13)} ${a.title}`, ...a.facts.map((f) => `    ${f}`)];
}

/** A notification that says it is a test, with the shape of a real one. */
export function testAlert(now = Date.now()): AlertRow {
  const host = hostname() || 'localhost';
  const evidence: AlertEvidence = {
    from: new Date(now - 3_600_000).toISOString(), to: new Date(now).toISOString(), page: 'messages.html', filter: { backscatter: '1' },
    title_parts: ['Test notification from bouncewatch on ', { v: host }], facts: [['If you read this, alerts reach you on this channel.']],
  };
  return {
    id: 0, rule: 'test', key: 'test', host, state: 'firing', started_at: now, resolved_at: null, fired_at: now,
    title: `Test notification from bouncewatch on ${host}`, value: 0, threshold: 0, evidence: JSON.stringify(evidence),
    notified_firing: false, notified_resolved: false,
  };
}

export function registerAlerts(program: Command): void {
  const alerts = withPeriod(withDatabase(program
    .command('alerts')
    .description('the alerts serve raised, newest first (see also: alerts test)')), '7d')
    .option('--state <state>', 'firing or resolved (default: both)')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print one JSON object')
    .action(async (opts: ListOptions) => {
      if (opts.state !== undefined && opts.state !== 'firing' && opts.state !== 'resolved') throw new Error('--state: must be firing or resolved');
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new Error('--limit: must be a whole number from 1');
      const { from, to } = periodFlags(opts);
      const rows = await withStore(opts, (store) => store.alerts({
        ...(opts.state ? { state: opts.state as 'firing' | 'resolved' } : {}), ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }), limit,
      }), { readonly: true });
      const views = rows.filter((a) => !opts.host || a.host === opts.host || a.host === null).map(alertView);
      if (opts.json) {
        console.log(terminalJson({ items: views }));
        return;
      }
      if (views.length === 0) {
        console.log('no alerts in the period');
        return;
      }
      // Titles and facts hold strings from the logs.
      console.log(visibleLines(views.flatMap(line)));
    });

  alerts
    .command('test')
    .description('send a test notification on every configured channel (alert_webhook_url, alert_email_to) and say what each did')
    .option('--config <file>', 'JSON config file (also $BOUNCEWATCH_CONFIG): its alert_* keys')
    .action(async (_opts: SharedOptions, cmd: Command) => {
      // --config may be taken by `alerts` (which has one too) before `test` sees it.
      const cfg = commandConfig(cmd.optsWithGlobals<SharedOptions>());
      const channels = alertChannels(cfg);
      if (channels.length === 0) throw new Error('no alert channel is configured: set "alert_webhook_url" or "alert_email_to" (config file, or BOUNCEWATCH_ALERT_WEBHOOK_URL / BOUNCEWATCH_ALERT_EMAIL_TO)');
      const alert = testAlert();
      const notice = { kind: 'test' as const, alert, link: linkOf(dashboardUrl(cfg), JSON.parse(alert.evidence) as AlertEvidence) };
      let failed = 0;
      for (const c of channels) {
        try {
          await c.send(notice);
          console.log(`${c.name} ${c.target}: sent`);
        } catch (e) {
          failed++;
          console.log(`${c.name} ${c.target}: FAILED: ${(e as Error).message}`);
        }
      }
      if (failed > 0) process.exitCode = 1;
    });
}
