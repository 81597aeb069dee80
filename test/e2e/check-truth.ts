// Checks bouncewatch's output (`messages --json`, `report --json`) against a truth.json written
// by an MTA harness (Postfix or Exim). Shared by the live e2e tests and the committed-fixtures
// tests of both MTAs.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { expectedNotices, type Truth, type TruthMessage } from './lib/truth.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const exec = promisify(execFile);

// Structure only: enum values are compared below so a wrong value reads as a mismatch.
const CliRecipient = z.object({
  // null: the log names no address (the contract: README, messages --json).
  address: z.string().nullable(),
  orig_address: z.string().nullish(),
  status: z.string(),
  dsn: z.string().nullish(),
  cause: z.string().nullish(),
  reason: z.string().nullish(),
});
const CliMessage = z.object({
  mta: z.string(),
  host: z.string().nullish(),
  queue_id: z.string().nullish(),
  queue_ids: z.array(z.string()).optional(),
  message_id: z.string().nullish(),
  origin: z.string(),
  client_ip: z.string().nullish(),
  helo: z.string().nullish(),
  remote: z.boolean(),
  sender: z.string(),
  recipients: z.array(CliRecipient),
  outcome: z.string(),
  ndr: z.object({ queue_id: z.string().nullish(), to: z.string(), fate: z.string() }).nullable(),
  notifications: z.array(z.object({ queue_id: z.string(), type: z.string(), to: z.string().nullable(), fate: z.string() })),
  backscatter: z.boolean(),
});
const Counts = z.record(z.string(), z.number());
const CliReport = z.object({
  rejected_at_smtp: z.number(),
  accepted: z.number(),
  bounced_after_accept: z.number(),
  ndrs: z.number(),
  backscatter: z.number(),
  backscatter_ndrs: z.number(),
  backscatter_delay_warnings: z.number(),
  causes: z.unknown(),
  backscatter_fates: z.unknown(),
});
export type CliMessage = z.infer<typeof CliMessage>;
export type CliReport = z.infer<typeof CliReport>;

export interface CliOutput {
  messages: CliMessage[];
  report: CliReport;
}

async function cli(args: string[]): Promise<string> {
  try {
    const r = await exec(process.execPath, [path.join(REPO, 'bin/bouncewatch.js'), ...args], { cwd: REPO, maxBuffer: 64 << 20 });
    return r.stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`bouncewatch ${args.join(' ')} failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`, { cause: e });
  }
}

/** Imports one log into a fresh database and reads the per-message and summary output. */
export async function runBouncewatch(logPath: string, year: number, dbPath: string): Promise<CliOutput> {
  await cli(['import', '--db', dbPath, '--year', String(year), logPath]);
  return readBouncewatch(dbPath);
}

/** Imports this machine's systemd journal (`import --journal`) into a fresh database and reads it back. */
export async function runBouncewatchJournal(dbPath: string): Promise<CliOutput> {
  await cli(['import', '--db', dbPath, '--journal']);
  return readBouncewatch(dbPath);
}

/** The per-message and summary output of a database something else filled (serve, an import). */
export async function readBouncewatch(dbPath: string): Promise<CliOutput> {
  const lines = (await cli(['messages', '--db', dbPath, '--json'])).split('\n').filter((l) => l.trim() !== '');
  const messages = lines.map((l, i) => {
    const r = CliMessage.safeParse(JSON.parse(l));
    if (!r.success) throw new Error(`messages --json line ${i + 1} does not fit the contract: ${r.error.message}\n${l}`);
    return r.data;
  });
  const report = CliReport.parse(JSON.parse(await cli(['report', '--db', dbPath, '--json'])));
  return { messages, report };
}

const bare = (id: string | null | undefined): string => (id ?? '').replace(/^<|>$/g, '').toLowerCase();
const same = (a: string | null | undefined, b: string | null | undefined): boolean => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

export interface CheckOptions {
  /**
   * Host name every message should be reported under: the syslog host field, or for an Exim
   * mainlog (which names no host) the importing machine's short host name. Unchecked if absent.
   */
  host?: string;
}

/**
 * Recipients the log never names: one failed recipient with address null stands for them all,
 * with their status and cause; a message whose recipients are all named has no such entry.
 */
function checkUnnamed(t: TruthMessage, m: CliMessage): string[] {
  const id = t.message_id;
  const unnamed = t.recipients.filter((r) => r.logged === false);
  const nulls = m.recipients.filter((x) => x.address === null);
  if (unnamed.length === 0) {
    return nulls.length === 0 ? [] : [`${id}: ${nulls.length} recipient(s) without an address, expected every one named`];
  }
  if (nulls.length !== 1) return [`${id}: expected one recipient without an address (the log names none of ${unnamed.length}), got ${nulls.length}`];
  const got = nulls[0]!;
  const p: string[] = [];
  for (const r of unnamed) {
    if (got.status !== r.expect_status) p.push(`${id}: unnamed recipient status is ${got.status}, expected ${r.expect_status}`);
    if ((got.cause ?? null) !== r.expect_cause) p.push(`${id}: unnamed recipient cause is ${String(got.cause)}, expected ${String(r.expect_cause)}`);
  }
  return [...new Set(p)];
}

function checkMessage(truth: Truth, t: TruthMessage, found: CliMessage[], opts: CheckOptions): string[] {
  const id = t.message_id;
  if (t.expect_outcome === 'rejected_at_smtp') {
    // RCPT-stage rejects leave no message id in the log; a DATA-stage reject may. Either
    // way the message must never show up as accepted.
    return found.filter((m) => m.outcome !== 'rejected_at_smtp').map((m) => `${id}: rejected at SMTP, but reported as ${m.outcome}`);
  }
  if (found.length === 0) return [`${id}: not in bouncewatch's messages`];
  const p: string[] = [];
  if (found.length > 1) p.push(`${id}: listed ${found.length} times (a filter hop or a forward must not split a message)`);
  const m = found[0] as CliMessage;
  const want = (what: string, got: unknown, expected: unknown): void => {
    if (got !== expected) p.push(`${id}: ${what} is ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
  };
  want('mta', m.mta, truth.mta);
  if (opts.host !== undefined) want('host', m.host ?? null, opts.host);
  want('outcome', m.outcome, t.expect_outcome);
  want('origin', m.origin, t.expect_origin);
  want('remote', m.remote, t.expect_remote);
  want('sender', m.sender, t.sender);
  if (t.client_ip !== null) want('client_ip (the origin, behind any hop)', m.client_ip ?? null, t.client_ip);
  want('backscatter', m.backscatter, t.expect_backscatter);
  p.push(...checkUnnamed(t, m));
  for (const r of t.recipients.filter((x) => x.logged !== false)) {
    const got = m.recipients.find((x) => same(x.address, r.address) && (r.orig_address === undefined || same(x.orig_address, r.orig_address)));
    const label = r.orig_address ? `${r.address} (orig ${r.orig_address})` : r.address;
    if (!got) {
      p.push(`${id}: recipient ${label} missing (have ${m.recipients.map((x) => `${x.address}${x.orig_address ? `<-${x.orig_address}` : ''}`).join(', ')})`);
      continue;
    }
    want(`${label} status`, got.status, r.expect_status);
    want(`${label} cause`, got.cause ?? null, r.expect_cause);
  }
  if (t.expect_ndr === null) {
    if (m.ndr !== null) p.push(`${id}: expected no NDR, got ${JSON.stringify(m.ndr)}`);
  } else if (m.ndr === null) {
    p.push(`${id}: expected an NDR to ${t.expect_ndr.to} (${t.expect_ndr.fate}), got none`);
  } else {
    if (!same(m.ndr.to, t.expect_ndr.to)) p.push(`${id}: NDR to ${m.ndr.to}, expected ${t.expect_ndr.to}`);
    want('NDR fate', m.ndr.fate, t.expect_ndr.fate);
  }
  // Every notification to the sender (postmaster's copies aside), in order, with its fate.
  const notes = m.notifications.filter((n) => n.type !== 'postmaster_copy');
  const expected = expectedNotices(t);
  const show = (list: { type: string; fate: string }[]) => list.map((n) => `${n.type}/${n.fate}`).join(', ') || 'none';
  if (show(notes) !== show(expected)) p.push(`${id}: notifications ${show(notes)}, expected ${show(expected)}`);
  for (const n of notes) if (!same(n.to, t.sender)) p.push(`${id}: notification ${n.queue_id} to ${n.to}, expected ${t.sender}`);
  return p;
}

function countsOf(v: unknown): Record<string, number> | null {
  const r = Counts.safeParse(v);
  return r.success ? r.data : null;
}

function checkReport(truth: Truth, report: CliReport): string[] {
  const p: string[] = [];
  const msgs = truth.messages;
  const smtpAccepted = msgs.filter((m) => m.expect_origin === 'smtp' && m.expect_outcome !== 'rejected_at_smtp').length;
  const dataRejects = truth.smtp_rejects.filter((r) => r.stage === 'DATA').length;
  const bouncedSmtp = msgs.filter((m) => m.expect_outcome === 'bounced_after_accept' && m.expect_origin === 'smtp').length;
  const bouncedAll = msgs.filter((m) => m.expect_outcome === 'bounced_after_accept').length;
  const backscatter = msgs.filter((m) => m.expect_backscatter);
  if (report.rejected_at_smtp < truth.smtp_rejects.length) {
    p.push(`report: rejected_at_smtp ${report.rejected_at_smtp} < ${truth.smtp_rejects.length} rejects the harness provoked`);
  }
  // Counted once at the origin: a re-injected or forwarded copy must not count again. A
  // DATA-stage reject had a queue id, so a reading that counts it as accepted is tolerated.
  if (report.accepted < smtpAccepted || report.accepted > smtpAccepted + dataRejects) {
    p.push(`report: accepted ${report.accepted}, expected ${smtpAccepted}${dataRejects ? ` (or up to ${smtpAccepted + dataRejects})` : ''}`);
  }
  // A locally submitted message (Postfix pickup, Exim -f) bounced too but was not accepted over
  // SMTP; either reading is allowed.
  if (report.bounced_after_accept < bouncedSmtp || report.bounced_after_accept > bouncedAll) {
    p.push(`report: bounced_after_accept ${report.bounced_after_accept}, expected ${bouncedSmtp}..${bouncedAll}`);
  }
  // Every NDR to a sender (a message bounced in two attempts sent two).
  const ndrsOf = (m: TruthMessage) => expectedNotices(m).filter((n) => n.type === 'non_delivery');
  const ndrs = msgs.reduce((a, m) => a + ndrsOf(m).length, 0);
  if (report.ndrs < ndrs) p.push(`report: ndrs ${report.ndrs} < ${ndrs} sender NDRs`);
  if (report.backscatter !== backscatter.length) p.push(`report: backscatter ${report.backscatter}, expected ${backscatter.length}`);
  const bsNdrs = backscatter.reduce((a, m) => a + ndrsOf(m).length, 0);
  if (report.backscatter_ndrs !== bsNdrs) p.push(`report: backscatter_ndrs ${report.backscatter_ndrs}, expected ${bsNdrs}`);
  // Delay warnings to a forged sender (remote client, sender outside the local domains).
  const warned = msgs.filter((m) => m.expect_remote && m.sender !== '' && !truth.local_domains.includes(m.sender.slice(m.sender.lastIndexOf('@') + 1)))
    .reduce((a, m) => a + (m.expect_notifications ?? []).filter((n) => n.type === 'delay').length, 0);
  if (report.backscatter_delay_warnings !== warned) p.push(`report: backscatter_delay_warnings ${report.backscatter_delay_warnings}, expected ${warned}`);
  const fates = countsOf(report.backscatter_fates);
  if (fates) {
    const want: Record<string, number> = {};
    for (const m of backscatter) for (const n of ndrsOf(m)) want[n.fate] = (want[n.fate] ?? 0) + 1;
    for (const k of new Set([...Object.keys(want), ...Object.keys(fates)])) {
      if ((fates[k] ?? 0) !== (want[k] ?? 0)) p.push(`report: backscatter_fates.${k} is ${fates[k] ?? 0}, expected ${want[k] ?? 0}`);
    }
  } else {
    p.push(`report: backscatter_fates is not a {fate: count} object: ${JSON.stringify(report.backscatter_fates)}`);
  }
  const causes = countsOf(report.causes);
  if (causes) {
    const used = new Set(msgs.filter((m) => m.expect_outcome === 'bounced_after_accept').flatMap((m) => m.recipients.map((r) => r.expect_cause)));
    for (const c of used) if (c !== null && !(causes[c] && causes[c] > 0)) p.push(`report: causes.${c} missing`);
  } else {
    p.push(`report: causes is not a {cause: count} object: ${JSON.stringify(report.causes)}`);
  }
  return p;
}

/** Every difference between the truth and bouncewatch's output, as readable lines. */
export function checkTruth(truth: Truth, out: CliOutput, opts: CheckOptions = {}): string[] {
  const byId = new Map<string, CliMessage[]>();
  for (const m of out.messages) {
    const k = bare(m.message_id);
    if (k) byId.set(k, [...(byId.get(k) ?? []), m]);
  }
  return [
    ...truth.messages.flatMap((t) => checkMessage(truth, t, byId.get(bare(t.message_id)) ?? [], opts)),
    ...checkReport(truth, out.report),
  ];
}
