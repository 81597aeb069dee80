// The harness's own check that reality matched the design, without reading the MTA log: the
// replies our client got, what the Node peers received, and what landed in local mailboxes.
// What differs per MTA comes from its adapter (VerifyRules, mta.ts).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { VerifyRules } from './mta.ts';
import { code, isDelayNotice } from './notices.ts';
import type { Peers } from './peers.ts';
import type { Sent } from './send.ts';
import { replyText } from './smtp-client.ts';
import type { Transaction } from './smtp-server.ts';

const userOf = (address: string): string => address.split('@')[0] ?? '';

/** A local mailbox's content (latin1: only ASCII Message-IDs are looked for). */
async function mbox(dir: string, user: string): Promise<string> {
  return await readFile(path.join(dir, user), 'latin1').catch(() => '');
}

function clientProblems(s: Sent): string[] {
  const t = s.msg.truth;
  if (s.error) return [`${t.message_id}: send failed: ${s.error}`];
  if (!s.result) return [];
  const out: string[] = [];
  for (const r of s.result.rcpt) {
    const rejected = s.msg.rejects.some((x) => x.recipient === r.address && x.stage === 'RCPT');
    if (rejected !== r.reply.code >= 500) out.push(`${t.message_id}: RCPT ${r.address} got ${replyText(r.reply)}`);
  }
  const rcptRejects = s.msg.rejects.filter((x) => x.stage === 'RCPT');
  if (s.msg.rejectCode !== undefined && rcptRejects.length > 0) {
    // Every designed refusal really happened, with the designed code (the dictionary scan: 8 × 550).
    const refused = s.result.rcpt.filter((r) => rcptRejects.some((x) => x.recipient === r.address));
    const exact = refused.filter((r) => r.reply.code === s.msg.rejectCode);
    if (refused.length !== rcptRejects.length || exact.length !== rcptRejects.length) {
      out.push(`${t.message_id}: expected ${rcptRejects.length} RCPT refusals with ${s.msg.rejectCode}, got ${exact.length} of ${refused.length}: ${refused.map((r) => replyText(r.reply)).join(' | ')}`);
    }
  }
  const dataRejected = s.msg.rejects.some((x) => x.stage === 'DATA');
  const d = s.result.data;
  if (!dataRejected && t.recipients.length === 0 && d !== null) out.push(`${t.message_id}: every RCPT should be refused, yet DATA got ${replyText(d)}`);
  if (dataRejected && !(d && d.code >= 500)) out.push(`${t.message_id}: DATA should be refused, got ${d ? replyText(d) : 'none'}`);
  if (!dataRejected && t.recipients.length > 0 && !s.result.queueId) out.push(`${t.message_id}: not queued: ${d ? replyText(d) : 'no DATA'}`);
  return out;
}

const has = (txs: Transaction[], f: (t: Transaction) => boolean): boolean => txs.some(f);

export interface VerifyContext<P extends Peers> {
  peers: P;
  mboxDir: string;
  /** Whether an address is in the MTA's local domain (its mailbox is a file in mboxDir). */
  isLocal: (address: string) => boolean;
  rules: VerifyRules<P>;
}

export async function verifyRun<P extends Peers>(sent: Sent[], ctx: VerifyContext<P>): Promise<string[]> {
  const { peers, mboxDir, isLocal, rules } = ctx;
  const problems: string[] = [];
  const down = peers.downstream.transactions;
  const net = peers.internet.transactions;

  for (const s of sent) {
    problems.push(...clientProblems(s));
    const t = s.msg.truth;
    const id = t.message_id;
    const got = (txs: Transaction[], addr: string): boolean =>
      has(txs, (x) => x.messageId === id && x.accepted.includes(addr) && code(x.dataReply) === 250);
    for (const r of t.recipients) {
      const local = isLocal(r.address);
      const where = local ? null : rules.peerOf(r.address, peers);
      const inMbox = local && (await mbox(mboxDir, userOf(r.address))).includes(`<${id}>`);
      const bad = `${id}: ${r.address} should be ${r.expect_status}/${r.expect_cause ?? '-'}`;
      if (r.expect_status === 'sent') {
        if (!(local ? inMbox : got(where ?? [], r.address))) problems.push(`${bad} but was not received`);
        if (/^grey/.test(r.address) && !has(down, (x) => x.rcpts.some((y) => y.address === r.address && code(y.reply) === 450))) {
          problems.push(`${bad}: expected a 450 greylisting answer first`);
        }
        continue;
      }
      // Every failed recipient: nobody got the message.
      if (inMbox || (where && got(where, r.address))) problems.push(`${bad} but it was delivered`);
      if (r.expect_cause === 'content_rejected') {
        const filter = rules.contentFilter(peers);
        if (filter) {
          if (!has(filter, (x) => x.messageId === id && code(x.dataReply) === 554)) problems.push(`${bad}: filter did not refuse it`);
        } else if ([...down, ...net].some((x) => x.messageId === id && x.mailFrom !== '')) {
          // Cancelled by the system filter before any delivery attempt.
          problems.push(`${bad}: a peer saw it`);
        }
      } else if (r.expect_status === 'expired') {
        const tries = down.filter((x) => x.rcpts.some((y) => y.address === r.address && code(y.reply) >= 400 && code(y.reply) < 500)).length;
        if (tries < 2) problems.push(`${bad}: ${tries} temporary failures seen`);
      } else if (r.expect_cause === 'message_too_large' && where) {
        if (rules.sizeAdvertised(r.address)) {
          // The server advertised a smaller SIZE: the MTA never sent it.
          if (has(where, (x) => x.messageId === id)) problems.push(`${bad}: it was sent to a server that advertised a smaller SIZE`);
        } else if (!has(where, (x) => x.messageId === id && x.accepted.includes(r.address) && code(x.dataReply) === 552)) {
          problems.push(`${bad}: the peer did not refuse it at end of DATA`);
        }
      } else if (where) {
        const refused = has(where, (x) => x.rcpts.some((y) => y.address === r.address && code(y.reply) >= 500))
          || has(where, (x) => x.messageId === id && x.accepted.includes(r.address) && code(x.dataReply) >= 500);
        if (!refused) problems.push(`${bad}: the peer did not refuse it`);
      }
    }
    problems.push(...rules.extra(s, peers));
    problems.push(...(await ndrProblems(s, ctx)));
    if (t.expect_outcome === 'rejected_at_smtp' && [...down, ...net].some((x) => x.messageId === id)) {
      problems.push(`${id}: rejected at SMTP but a copy reached a peer`);
    }
  }
  return problems;
}

async function ndrProblems<P extends Peers>(s: Sent, ctx: VerifyContext<P>): Promise<string[]> {
  const net = ctx.peers.internet.transactions;
  const t = s.msg.truth;
  const id = t.message_id;
  // The NDR returns the original message (or its headers), Message-ID included.
  const notices = net.filter((x) => x.mailFrom === '' && (x.data ?? '').includes(`<${id}>`));
  // Delay warnings are not NDRs (expect_notifications lists them; Postfix's run settles them).
  const ndrs = notices.filter((x) => !isDelayNotice(x));
  const ndr = t.expect_ndr;
  if (!ndr) return ndrs.length > 0 ? [`${id}: expected no NDR, one reached ${ndrs[0]?.accepted.join(',')}`] : [];
  const toSender = net.filter((x) => x.mailFrom === '' && x.rcpts.some((y) => y.address === ndr.to));
  const bad = `${id}: NDR to ${ndr.to} should be ${ndr.fate}`;
  if (ctx.isLocal(ndr.to)) {
    return (await mbox(ctx.mboxDir, userOf(ndr.to))).includes(`<${id}>`) ? [] : [`${bad} (local mailbox)`];
  }
  if (t.expect_notifications) {
    // Each notification that should reach the sender did, and no more (bounces and warnings).
    const want = t.expect_notifications.filter((n) => n.fate === 'delivered').length;
    const got = notices.filter((x) => x.accepted.includes(ndr.to) && code(x.dataReply) === 250).length;
    if (got !== want) return [`${id}: ${got} notifications reached ${ndr.to}, expected ${want}`];
  }
  switch (ndr.fate) {
    case 'delivered': {
      const out = ndrs.some((x) => x.accepted.includes(ndr.to) && code(x.dataReply) === 250) ? [] : [`${bad}: not received`];
      if (/^grey/.test(ndr.to) && !toSender.some((x) => x.rcpts.some((y) => code(y.reply) === 450))) out.push(`${bad}: not greylisted first`);
      return out;
    }
    case 'rejected': {
      const refusals = toSender.filter((x) => x.rcpts.some((y) => y.address === ndr.to && code(y.reply) >= 500)).length;
      return refusals >= ctx.rules.ndrRefusals ? [] : [`${bad}: the MX refused it ${refusals} time(s), expected ${ctx.rules.ndrRefusals}`];
    }
    case 'undeliverable':
      return toSender.length > 0 ? [`${bad}: it reached an MX`] : [];
    case 'deferred':
      return [];
  }
}
