// The Exim scenarios: who sends what to which listener, and what each message is designed to
// produce (recipient fates, causes, NDR fate, backscatter). truth.json is built from this.
// Clients are 127.2.<scenario>.<n> ("remote"; the Postfix harness uses 127.1.x.y).
import { bounced, expired, scenarioBuilder, sent, type ScenarioMessage } from '../lib/scenario.ts';
import { BOUNCE_WARN_BOUNCE } from '../lib/truth.ts';
import { LOCAL_DOMAIN, NXDOMAIN, VIRUS_MARKER } from './topology.ts';

const virusBody = `Attachment scan test.\r\n${VIRUS_MARKER}\r\n`;
const scenario = scenarioBuilder({
  clientNet: '127.2',
  idPrefix: 'bw-exim',
  localDomain: LOCAL_DOMAIN,
  filterCancels: (s) => s.body === virusBody && s.listener !== 'strict',
});
/** The dictionary scan's guesses: local users that do not exist. */
const SCAN_RCPTS = Array.from({ length: 8 }, (_, i) => `scan${i + 1}@${LOCAL_DOMAIN}`);

/**
 * The scenarios as a run with Exim's default log_selector logs them: no recipient list on
 * arrival, so the recipients of a message the system filter cancels are never named.
 */
export function unnamedRecipients(msgs: ScenarioMessage[]): ScenarioMessage[] {
  return msgs.map((m) => (m.filterCancels
    ? { ...m, truth: { ...m.truth, recipients: m.truth.recipients.map((r) => ({ ...r, logged: false as const })) } }
    : m));
}

/**
 * The run with Exim's default log_selector: the system filter's cancellations (whose recipients
 * it leaves unnamed) beside plain deliveries, unknown users and the strict twin's rejects. The
 * scenarios that wait for retries or frozen NDRs stay in the first run only, to keep it short.
 */
export const DEFAULT_SELECTOR_SCENARIOS = ['virus', 'unknown-local', 'normal', 'local-sender', 'strict', 'relay-policy', 'notifications'] as const;

export function eximScenarios(): ScenarioMessage[] {
  return [
    // First, so that its 15 s retry limit runs while everything else is sent.
    ...scenario(16, 'expired', [
      { listener: 'open', sender: 'ghost161@shop161.victims.test', recipients: [expired('stuck161@relay.exi.test')], ndr: 'delivered',
        design: 'downstream answers 451 4.3.0 to every RCPT; retry rule F,15s,3s for this address: "retry timeout exceeded", NDR' },
    ]),
    ...scenario(1, 'unknown-local', [
      { listener: 'open', sender: 'ghost11@shop11.victims.test', recipients: [bounced('nobody11@exi.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'open listener accepts any local part; no router takes it: "** nobody11@exi.test: Unrouteable address", NDR' },
      { listener: 'open', sender: 'ghost12@shop12.victims.test', recipients: [sent('alice@exi.test'), bounced('nobody12@exi.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'one good, one unknown local recipient: partial bounce' },
      { listener: 'open', sender: 'ghost13@shop13.victims.test', recipients: [bounced('nobody13@exi.test', 'unknown_recipient'), bounced('former13@exi.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'two unknown local recipients, one NDR: one unrouteable, one closed account (alias ":fail: No such user here")' },
    ]),
    ...scenario(2, 'unknown-relay', [
      { listener: 'open', sender: 'ghost21@shop21.victims.test', recipients: [bounced('nobody21@relay.exi.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'relay domain accepted without verification; mailbox server 127.0.0.31 says 550 5.1.1 at RCPT' },
      { listener: 'open', sender: 'ghost22@shop22.victims.test', recipients: [sent('carol@relay.exi.test'), bounced('nobody22@relay.exi.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'one good and one unknown relay recipient in the same downstream transaction' },
    ]),
    ...scenario(3, 'mailbox-full', [
      { listener: 'open', sender: 'ghost31@shop31.victims.test', recipients: [bounced('frank@exi.test', 'mailbox_full')], ndr: 'delivered',
        design: 'appendfile quota: frank\'s mailbox is already past quota = 64K; retry rule "* quota" without times makes it final at once' },
      { listener: 'open', sender: 'ghost32@shop32.victims.test', recipients: [bounced('full32@relay.exi.test', 'mailbox_full')], ndr: 'delivered',
        design: 'downstream answers 552 5.2.2 Mailbox is full at RCPT' },
    ]),
    ...scenario(4, 'too-large', [
      { listener: 'open', sender: 'ghost41@shop41.victims.test', recipients: [bounced('big41@relay.exi.test', 'message_too_large')], ndr: 'delivered', padBytes: 40_000,
        design: 'downstream accepts RCPT, then 552 5.3.4 at end of DATA (message > 20000 bytes)' },
      { listener: 'open', sender: 'ghost42@shop42.victims.test', recipients: [bounced('big42@relay.exi.test', 'message_too_large')], ndr: 'delivered', padBytes: 60_000,
        design: 'same, larger' },
    ]),
    ...scenario(5, 'virus', [
      { listener: 'open', sender: 'ghost51@shop51.victims.test', recipients: [bounced('carol@relay.exi.test', 'content_rejected')], ndr: 'delivered', body: virusBody,
        design: 'system filter "fail" on the marker after queueing: "cancelled by system filter", NDR' },
      { listener: 'open', sender: 'ghost52@shop52.victims.test', recipients: [bounced('alice@exi.test', 'content_rejected'), bounced('carol@relay.exi.test', 'content_rejected')], ndr: 'delivered', body: virusBody,
        design: 'infected, two recipients (local and relay), one NDR' },
    ]),
    ...scenario(8, 'forward', [
      { listener: 'open', sender: 'ghost81@shop81.victims.test', recipients: [bounced('gone4@ext.test', 'forward_rejected', 'fwd4@exi.test')], ndr: 'delivered',
        design: 'redirect router: fwd4 -> gone4@ext.test; ext.test MX says 550 5.1.1: "** gone4@ext.test <fwd4@exi.test>"' },
      { listener: 'open', sender: 'ghost82@shop82.victims.test', recipients: [bounced('gone5@ext.test', 'forward_rejected', 'fwd5@exi.test')], ndr: 'delivered',
        design: 'redirect router: fwd5 -> gone5@ext.test, same' },
    ]),
    ...scenario(9, 'strict', [
      { listener: 'strict', sender: 'ghost91@shop91.victims.test', recipients: [], rcpts: ['nobody91@exi.test'],
        rejects: [{ recipient: 'nobody91@exi.test', stage: 'RCPT' }], outcome: 'rejected_at_smtp',
        design: 'strict twin: require verify = recipient fails (Unrouteable address), 550 at RCPT' },
      { listener: 'strict', sender: 'ghost92@shop92.victims.test', recipients: [], rcpts: ['nobody92@relay.exi.test'],
        rejects: [{ recipient: 'nobody92@relay.exi.test', stage: 'RCPT' }], outcome: 'rejected_at_smtp',
        design: 'strict twin: recipient callout to the mailbox server gets 550 5.1.1, 550 at RCPT' },
      { listener: 'strict', sender: 'ghost93@shop93.victims.test', recipients: [sent('alice@exi.test')], rcpts: ['alice@exi.test', 'nobody93@exi.test'],
        rejects: [{ recipient: 'nobody93@exi.test', stage: 'RCPT' }],
        design: 'strict twin: the unknown recipient is refused, the good one is delivered' },
      { listener: 'strict', sender: 'ghost94@shop94.victims.test', recipients: [], rcpts: ['carol@relay.exi.test'], body: virusBody,
        rejects: [{ recipient: 'carol@relay.exi.test', stage: 'DATA' }], outcome: 'rejected_at_smtp',
        design: 'strict twin: DATA ACL denies the virus marker (550 5.7.1 at end of DATA)' },
      { listener: 'strict', sender: 'ghost95@shop95.victims.test', recipients: [], rcpts: ['full95@relay.exi.test'],
        rejects: [{ recipient: 'full95@relay.exi.test', stage: 'RCPT' }], outcome: 'rejected_at_smtp',
        design: 'strict twin: the callout gets 552 5.2.2 from the mailbox server, so RCPT is refused' },
      { listener: 'strict', sender: 'ghost96@shop96.victims.test', recipients: [], rcpts: ['frank@exi.test'],
        rejects: [{ recipient: 'frank@exi.test', stage: 'RCPT' }], outcome: 'rejected_at_smtp',
        design: 'strict twin: verify = recipient/quota finds frank\'s appendfile quota exceeded, RCPT refused' },
      { listener: 'strict', sender: 'ghost97@shop97.victims.test', recipients: [], rcpts: ['big97@relay.exi.test'], padBytes: 40_000,
        rejects: [{ recipient: 'big97@relay.exi.test', stage: 'DATA' }], outcome: 'rejected_at_smtp',
        design: 'strict twin: message_size_limit 20K (no larger than downstream): 552 after the data' },
    ]),
    ...scenario(10, 'normal', [
      { listener: 'open', sender: 'partner101@ext.test', recipients: [sent('alice@exi.test')], design: 'local appendfile delivery' },
      { listener: 'open', sender: 'partner102@ext.test', recipients: [sent('carol@relay.exi.test')], design: 'relayed to the mailbox server' },
      { listener: 'open', sender: 'partner103@ext.test', recipients: [sent('friend@ext.test', 'fwdok@exi.test')], design: 'redirect that works: fwdok -> friend@ext.test' },
    ]),
    ...scenario(11, 'greylist', [
      { listener: 'open', sender: 'partner111@ext.test', recipients: [sent('grey111@relay.exi.test')],
        design: 'mailbox server 450 4.7.1 greylisting on the first try (==), 250 on a queue run after the 3 s retry' },
      { listener: 'open', sender: 'partner112@ext.test', recipients: [sent('grey112@relay.exi.test'), sent('carol@relay.exi.test')],
        design: 'greylisted recipient deferred while the other is delivered, then delivered' },
    ]),
    ...scenario(12, 'null-sender', [
      { listener: 'open', sender: '', recipients: [bounced('nobody121@exi.test', 'unknown_recipient')], ndr: null,
        design: 'MAIL FROM:<> from remote; fails, cannot be bounced: Frozen, then dropped ("error ignored") after ignore_bounce_errors_after' },
      { listener: 'open', sender: '', recipients: [bounced('nobody122@relay.exi.test', 'unknown_recipient')], ndr: null,
        design: 'MAIL FROM:<> to an unknown relay user (550 5.1.1 downstream), frozen and dropped' },
    ]),
    ...scenario(13, 'ndr-fates', [
      { listener: 'open', sender: 'ghost131@shop131.victims.test', recipients: [bounced('nobody131@exi.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'NDR accepted by the forged domain MX' },
      { listener: 'open', sender: 'grey132@shop132.victims.test', recipients: [bounced('nobody132@exi.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'NDR greylisted (450 4.7.1) once (==), then delivered on a queue run' },
      { listener: 'open', sender: 'refuse133@shop133.victims.test', recipients: [bounced('nobody133@exi.test', 'unknown_recipient')], ndr: 'rejected',
        design: 'NDR refused 550 5.1.1 by the forged domain MX: "Frozen (delivery error message)", later "Unfrozen by errmsg timer", refused again, "error ignored"' },
      { listener: 'open', sender: `ghost134@${NXDOMAIN}`, recipients: [bounced('nobody134@exi.test', 'unknown_recipient')], ndr: 'undeliverable',
        design: 'sender domain has no router: the NDR fails "Unrouteable address", frozen, then "error ignored"' },
    ]),
    ...scenario(14, 'local-sender', [
      { listener: 'open', sender: 'bob@exi.test', recipients: [bounced('nobody141@exi.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'remote client, sender in a local domain: NDR delivered to bob\'s mailbox, not backscatter' },
    ]),
    ...scenario(15, 'internal', [
      { listener: 'open', internal: true, sender: 'ghost151@shop151.victims.test', recipients: [bounced('nobody151@exi.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'client 127.0.0.1 is in relay_from_hosts (and bouncewatch\'s internal networks): not backscatter' },
      { listener: 'pickup', sender: 'ghost152@shop152.victims.test', recipients: [bounced('nobody152@exi.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'local submission by root (exim -f SENDER, P=local U=root): local origin, not backscatter' },
    ]),
    ...scenario(17, 'relay-policy', [
      { listener: 'open', sender: 'ghost171@shop171.victims.test', recipients: [bounced('policy171@relay.exi.test', 'relay_rejected')], ndr: 'delivered',
        design: 'mailbox server refuses with 554 5.7.1 Access denied (policy)' },
    ]),
    // A dictionary scan: one client probes for valid addresses in ONE session. Sent in the strict
    // twin's lane, after the strict scenarios.
    ...scenario(18, 'dictionary-scan', [
      { listener: 'strict', sender: 'ghost181@shop181.victims.test', recipients: [], rcpts: SCAN_RCPTS,
        rejects: SCAN_RCPTS.map((recipient) => ({ recipient, stage: 'RCPT' as const })), rejectCode: 550, outcome: 'rejected_at_smtp',
        design: `dictionary scan: one session to the strict twin, forged sender, RCPT TO scan1..scan8@${LOCAL_DOMAIN} (no such users): `
          + 'require verify = recipient refuses each, 550 Unrouteable address; no recipient accepted, so no DATA, then QUIT. '
          + 'A refused RCPT is neither a non-mail command (smtp_accept_max_nonmail) nor a protocol error (smtp_max_synprot_errors): '
          + 'all 8 are answered and logged' },
    ]),
    // Several notifications about one message (issue 21): a bounce per delivery attempt that
    // failed recipients, and a delay warning between them. With +subject (the first run) the
    // subject tells the warning from a bounce; with the default log_selector the state does.
    ...scenario(20, 'notifications', [
      { listener: 'open', sender: 'ghost201@shop201.victims.test',
        recipients: [bounced('nobody201@relay.exi.test', 'unknown_recipient'), bounced('twice201@relay.exi.test', 'unknown_recipient')],
        ndr: 'delivered',
        notifications: BOUNCE_WARN_BOUNCE,
        design: 'attempt 1: downstream refuses nobody201 (550, bounce 1) and defers twice201 (451); attempt 2 (retry F,2m,8s, past '
          + 'delay_warning 6s): 451 again, delay warning; attempt 3: 550, bounce 2. All three reach the forged sender\'s MX' },
    ]),
    // Forged senders with an RFC 5321 quoted local part (issue 12, item 7): legal in MAIL FROM,
    // logged quoted, and the NDR goes back to them: still backscatter.
    ...scenario(19, 'quoted-sender', [
      { listener: 'open', sender: '"x y"@shop191.victims.test', recipients: [bounced(`nobody191@${LOCAL_DOMAIN}`, 'unknown_recipient')], ndr: 'delivered',
        design: 'quoted local part with a space; unknown local user, so the NDR goes to the quoted address' },
      { listener: 'open', sender: '"x>y, z\\"w"@shop192.victims.test', recipients: [bounced(`nobody192@${LOCAL_DOMAIN}`, 'unknown_recipient')], ndr: 'delivered',
        design: 'quoted local part holding ">", ", " and an escaped quote, which end an unquoted address in a log field' },
    ]),
  ];
}
