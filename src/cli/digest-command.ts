// `bouncewatch digest`: the period against the one before, mailed (sendmail or SMTP) or
// printed for cron. Only a digest the transport took is recorded in the `digests` table.
import { type Command, InvalidArgumentError } from 'commander';
import { ADDRESS } from '../config/schema.ts';
import { collectDigest, digestPeriods } from '../digest/collect.ts';
import { defaultFrom, deliver, describeTransport, digestMail, parseTransport, rawMessage } from '../digest/mail.ts';
import { renderText } from '../digest/text.ts';
import { withDatabase, withHost, withStore, type SharedOptions } from './options.ts';

interface DigestOptions extends SharedOptions {
  since: string;
  host?: string;
  until?: string;
  to: string[];
  from?: string;
  subjectPrefix?: string;
  transport?: string;
  dashboardUrl?: string;
  dryRun?: boolean;
}


function address(flag: string) {
  return (v: string, prev: string[] = []): string[] => {
    if (!ADDRESS.test(v)) throw new InvalidArgumentError(`"${v}" is not an address like postmaster@example.org (${flag})`);
    return [...prev, v];
  };
}

function httpUrl(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new InvalidArgumentError(`"${v}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgumentError('must be an http:// or https:// URL');
  return v;
}

export function registerDigest(program: Command): void {
  withHost(withDatabase(program
    .command('digest')
    .description('mail (or print) the period against the one before: backscatter, causes, sources, what to change'))
    .option('--since <time>', 'start (ISO 8601, or a span back from --until or now: 24h, 7d)', '24h')
    .option('--until <time>', 'end (ISO 8601, or a span back from now; default now)')
    .option('--to <addr>', 'recipient (repeat for more)', address('--to'), [])
    .option('--from <addr>', 'sender address (default bouncewatch@this host)', (v: string) => address('--from')(v)[0]!)
    .option('--subject-prefix <text>', 'put this before the subject, e.g. [mx]')
    .option('--transport <t>', 'sendmail | smtp://HOST:PORT | stdout (default sendmail when /usr/sbin/sendmail exists, else stdout)')
    .option('--dashboard-url <url>', 'link to the dashboard for the period', httpUrl)
    .option('--dry-run', 'print the whole MIME message instead of sending it'))
    .action(async (opts: DigestOptions) => {
      const transport = parseTransport(opts.transport);
      if (transport.kind !== 'stdout' && !opts.dryRun && opts.to.length === 0) {
        throw new Error(`--to: give at least one recipient to send by ${describeTransport(transport)} (or --transport stdout)`);
      }
      const periods = digestPeriods(opts.since, opts.until, undefined, opts.host || undefined);
      await withStore(opts, async (store) => {
        const digest = await collectDigest(store, periods, { subjectPrefix: opts.subjectPrefix, dashboardUrl: opts.dashboardUrl });
        const mail = digestMail(digest, { from: opts.from ?? defaultFrom(), to: opts.to });
        if (opts.dryRun) {
          process.stdout.write(await rawMessage(mail));
          return;
        }
        const sentAt = Date.now();
        if (transport.kind === 'stdout') {
          // Cron mails whatever a job prints: the text part is the digest.
          process.stdout.write(renderText(digest));
          await store.recordDigest({ period: periods.current, sentAt, recipients: opts.to, transport: 'stdout', subject: digest.subject, messageId: null });
          return;
        }
        const sent = await deliver(transport, mail);
        if (sent.accepted.length > 0) {
          await store.recordDigest({
            period: periods.current, sentAt, recipients: sent.accepted, transport: describeTransport(transport),
            subject: digest.subject, messageId: sent.messageId,
          });
        }
        if (sent.rejected.length > 0) {
          throw new Error(`the server refused ${sent.rejected.join(', ')}; the digest went to ${sent.accepted.join(', ') || 'nobody'}`);
        }
      });
    });
}
