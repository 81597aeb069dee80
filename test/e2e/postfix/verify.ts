// The harness's own check that reality matched the design, without reading the MTA log: the
// replies our client got, what the Node peers received, and what landed in local mailboxes.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Transaction } from '../lib/smtp-server.ts';
import { isDelayNotice } from '../lib/notices.ts';
import { replyText } from '../lib/smtp-client.ts';
import type { Peers } from './peers.ts';
import type { Sent } from './send.ts';

const code = (reply: string): number => Number(reply.slice(0, 3));

async function mbox(dir: string, user: string): Promise<string> {
  return await readFile(path.join(dir, user), 'utf8').catch(() => '');
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

export async function verifyRun(sent: Sent[], peers: Peers, mboxDir: string): Promise<string[]> {
  const problems: string[] = [];
  const down = peers.downstream.transactions;
  const net = peers.internet.transactions;
  const filtered = peers.amavis.transactions;
  const peerOf = (addr: string): Transaction[] =>
    /@relay\.pfx\.test$/.test(addr) ? down : /@small\.pfx\.test$/.test(addr) ? peers.smallbox.transactions : net;

  for (const s of sent) {
    problems.push(...clientProblems(s));
    const t = s.msg.truth;
    const id = t.message_id;
    const got = (txs: Transaction[], addr: string): boolean =>
      has(txs, (x) => x.messageId === id && x.accepted.includes(addr) && code(x.dataReply ?? '') === 250);
    for (const r of t.recipients) {
      const local = /@pfx\.test$/.test(r.address);
      const where = local ? null : peerOf(r.address);
      const bad = `${id}: ${r.address} should be ${r.expect_status}/${r.expect_cause ?? '-'}`;
      if (r.expect_status === 'sent') {
        const ok = local ? (await mbox(mboxDir, r.address.split('@')[0] ?? '')).includes(`<${id}>`) : got(where ?? [], r.address);
        if (!ok) problems.push(`${bad} but was not received`);
        if (/^grey/.test(r.address) && !has(down, (x) => x.rcpts.some((y) => y.address === r.address && code(y.reply) === 450))) {
          problems.push(`${bad}: expected a 450 greylisting answer first`);
        }
      } else if (r.expect_cause === 'content_rejected') {
        if (!has(filtered, (x) => x.messageId === id && code(x.dataReply ?? '') === 554)) problems.push(`${bad}: filter did not refuse it`);
      } else if (r.expect_status === 'expired') {
        const tries = down.filter((x) => x.rcpts.some((y) => y.address === r.address && code(y.reply) >= 400 && code(y.reply) < 500)).length;
        if (tries < 2 || got(down, r.address)) problems.push(`${bad}: ${tries} temporary failures seen`);
      } else if (r.expect_cause === 'message_too_large' && where) {
        // Refused at end of DATA, or never sent because the server advertised a smaller SIZE.
        if (got(where, r.address)) problems.push(`${bad}: the peer accepted it`);
      } else if (where) {
        const refused = has(where, (x) => x.rcpts.some((y) => y.address === r.address && code(y.reply) >= 500))
          || has(where, (x) => x.messageId === id && x.accepted.includes(r.address) && code(x.dataReply ?? '') >= 500);
        if (!refused) problems.push(`${bad}: the peer did not refuse it`);
      }
    }
    problems.push(...filterProblems(s, peers));
    problems.push(...(await ndrProblems(s, net, mboxDir)));
    if (t.expect_outcome === 'rejected_at_smtp' && [...down, ...net].some((x) => x.messageId === id)) {
      problems.push(`${id}: rejected at SMTP but a copy reached a peer`);
    }
  }
  return problems;
}

/** The two issue-21 filters did what they were made for: XFORWARD of the real client, replies in their own words. */
function filterProblems(s: Sent, peers: Peers): string[] {
  const t = s.msg.truth;
  const seen = (p: Transaction[]) => p.filter((x) => x.messageId === t.message_id);
  if (t.listener === 'proxy' && t.expect_outcome === 'rejected_at_smtp') {
    if (!seen(peers.proxyfilter.transactions).some((x) => code(x.dataReply ?? '') === 554)) return [`${t.message_id}: the proxy filter did not refuse it`];
  } else if (t.listener === 'proxy') {
    const ok = seen(peers.proxyfilter.transactions).some((x) => x.xforward.ADDR === t.client_ip && code(x.dataReply ?? '') === 250);
    if (!ok) return [`${t.message_id}: the proxy filter did not pass it on with XFORWARD ADDR=${t.client_ip ?? ''}`];
  }
  if (t.listener === 'ownwords') {
    const ok = seen(peers.replyfilter.transactions).some((x) => /^250 (?:2\.0\.0 Ok: accepted \(|OK id=)/.test(x.dataReply ?? ''));
    if (!ok) return [`${t.message_id}: the own-words filter did not re-inject and answer in its own words`];
  }
  return [];
}

async function ndrProblems(s: Sent, net: Transaction[], mboxDir: string): Promise<string[]> {
  const t = s.msg.truth;
  const id = t.message_id;
  // Delay warnings are not NDRs: run.ts puts the ones that came into the truth (noticesSeen).
  const ndrs = net.filter((x) => x.mailFrom === '' && (x.data ?? '').includes(`<${id}>`) && !isDelayNotice(x));
  const ndr = t.expect_ndr;
  if (!ndr) return ndrs.length > 0 ? [`${id}: expected no NDR, one reached ${ndrs[0]?.accepted.join(',')}`] : [];
  const toSender = net.filter((x) => x.mailFrom === '' && x.rcpts.some((y) => y.address === ndr.to));
  const bad = `${id}: NDR to ${ndr.to} should be ${ndr.fate}`;
  if (/@pfx\.test$/.test(ndr.to)) {
    const ok = (await mbox(mboxDir, ndr.to.split('@')[0] ?? '')).includes(`<${id}>`);
    return ok ? [] : [`${bad} (local mailbox)`];
  }
  switch (ndr.fate) {
    case 'delivered': {
      const out = ndrs.some((x) => x.accepted.includes(ndr.to) && code(x.dataReply ?? '') === 250) ? [] : [`${bad}: not received`];
      if (/^grey/.test(ndr.to) && !toSender.some((x) => x.rcpts.some((y) => code(y.reply) === 450))) out.push(`${bad}: not greylisted first`);
      return out;
    }
    case 'rejected':
      return toSender.some((x) => x.rcpts.some((y) => y.address === ndr.to && code(y.reply) >= 500)) ? [] : [`${bad}: not refused by the MX`];
    case 'undeliverable':
      return toSender.length > 0 ? [`${bad}: it reached an MX`] : [];
    case 'deferred':
      return [];
  }
}
