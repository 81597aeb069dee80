// The Postfix scenarios: who sends what to which listener, and what each message is designed
// to produce (recipient fates, causes, NDR fate, backscatter). truth.json is built from this
// (lib/scenario.ts builds each message; clients are 127.1.<scenario>.<n>).
import { bounced, expired, scenarioBuilder, sent, type ScenarioMessage } from '../lib/scenario.ts';
import { BOUNCE_WARN_BOUNCE } from '../lib/truth.ts';
import { ID_FORM_MARKER, LOCAL_DOMAIN, NXDOMAIN, SPAM_MARKER, VIRUS_MARKER } from './topology.ts';

const scenario = scenarioBuilder({ clientNet: '127.1', idPrefix: 'bw-e2e', localDomain: LOCAL_DOMAIN });

const virusBody = `Attachment scan test.\r\n${VIRUS_MARKER}\r\n`;
const spamBody = `Before-queue filter test.\r\n${SPAM_MARKER}\r\n`;
const idFormBody = `After-queue filter test.\r\n${ID_FORM_MARKER}\r\n`;
/** The dictionary scan's guesses: local users that do not exist. */
const SCAN_RCPTS = Array.from({ length: 8 }, (_, i) => `scan${i + 1}@pfx.test`);

export function postfixScenarios(): ScenarioMessage[] {
  return [
    // First, so that its 20 s queue lifetime runs while everything else is sent.
    ...scenario(16, 'expired', [
      { listener: 'open', sender: 'ghost161@shop161.victims.test', recipients: [expired('stuck161@relay.pfx.test')], ndr: 'delivered',
        design: 'downstream answers 451 4.3.0 to every RCPT; maximal_queue_lifetime=20s expires it' },
    ]),
    ...scenario(1, 'unknown-local', [
      { listener: 'open', sender: 'ghost11@shop11.victims.test', recipients: [bounced('nobody11@pfx.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'open listener has empty local_recipient_maps; local(8) bounces unknown user' },
      { listener: 'open', sender: 'ghost12@shop12.victims.test', recipients: [sent('alice@pfx.test'), bounced('nobody12@pfx.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'one good, one unknown local recipient: partial bounce' },
      { listener: 'open', sender: 'ghost13@shop13.victims.test', recipients: [bounced('nobody13a@pfx.test', 'unknown_recipient'), bounced('nobody13b@pfx.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'two unknown local recipients, one NDR' },
    ]),
    ...scenario(2, 'unknown-relay', [
      { listener: 'open', sender: 'ghost21@shop21.victims.test', recipients: [bounced('nobody21@relay.pfx.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'empty relay_recipient_maps; downstream 127.0.0.31 says 550 5.1.1 at RCPT' },
      { listener: 'open', sender: 'ghost22@shop22.victims.test', recipients: [sent('carol@relay.pfx.test'), bounced('nobody22@relay.pfx.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'one good and one unknown relay recipient in the same downstream transaction' },
    ]),
    ...scenario(3, 'mailbox-full', [
      { listener: 'open', sender: 'ghost31@shop31.victims.test', recipients: [bounced('frank@pfx.test', 'mailbox_full')], ndr: 'delivered',
        design: 'transport_maps sends frank to the quota-lda pipe, which prints "5.2.2 Mailbox full..." and exits 73' },
      { listener: 'open', sender: 'ghost32@shop32.victims.test', recipients: [bounced('full32@relay.pfx.test', 'mailbox_full')], ndr: 'delivered',
        design: 'downstream answers 552 5.2.2 Mailbox is full at RCPT' },
    ]),
    ...scenario(4, 'too-large', [
      { listener: 'open', sender: 'ghost41@shop41.victims.test', recipients: [bounced('big41@relay.pfx.test', 'message_too_large')], ndr: 'delivered', padBytes: 40_000,
        design: 'downstream accepts RCPT, then 552 5.3.4 at end of DATA (message > 20000 bytes)' },
      { listener: 'open', sender: 'ghost42@shop42.victims.test', recipients: [bounced('big42@relay.pfx.test', 'message_too_large')], ndr: 'delivered', padBytes: 60_000,
        design: 'same, larger' },
      { listener: 'open', sender: 'ghost43@shop43.victims.test', recipients: [bounced('big43@small.pfx.test', 'message_too_large')], ndr: 'delivered', padBytes: 40_000,
        design: 'small.pfx.test advertises SIZE 20000: Postfix bounces it without sending (message size exceeds size limit of server)' },
    ]),
    ...scenario(5, 'virus', [
      { listener: 'filtered', sender: 'ghost51@shop51.victims.test', recipients: [bounced('carol@relay.pfx.test', 'content_rejected')], ndr: 'delivered', body: virusBody,
        design: 'after-queue content filter (fake amavis) answers 554 5.7.1 INFECTED at end of DATA' },
      { listener: 'filtered', sender: 'ghost52@shop52.victims.test', recipients: [bounced('alice@pfx.test', 'content_rejected'), bounced('carol@relay.pfx.test', 'content_rejected')], ndr: 'delivered', body: virusBody,
        design: 'infected, two recipients, one NDR' },
    ]),
    ...scenario(6, 'filter-clean', [
      { listener: 'filtered', sender: 'news61@ext.test', recipients: [sent('carol@relay.pfx.test')],
        design: 'clean: filter re-injects into 127.0.0.1:10025 (new queue id, XFORWARD orig_queue_id), then relayed' },
      { listener: 'filtered', sender: 'news62@ext.test', recipients: [sent('alice@pfx.test')],
        design: 'clean: re-injected, then local delivery' },
    ]),
    ...scenario(7, 'filter-bounce', [
      { listener: 'filtered', sender: 'ghost71@shop71.victims.test', recipients: [bounced('nobody71@relay.pfx.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'clean, re-injected (second queue id), then downstream 550 5.1.1: the origin is behind the hop' },
    ]),
    ...scenario(8, 'forward', [
      { listener: 'open', sender: 'ghost81@shop81.victims.test', recipients: [bounced('gone4@ext.test', 'forward_rejected', 'fwd4@pfx.test')], ndr: 'delivered',
        design: 'alias fwd4 -> gone4@ext.test; local "forwarded as" new id; ext MX says 550 5.1.1' },
      { listener: 'open', sender: 'ghost82@shop82.victims.test', recipients: [bounced('gone5@ext.test', 'forward_rejected', 'fwd5@pfx.test')], ndr: 'delivered',
        design: 'alias fwd5 -> gone5@ext.test, same' },
    ]),
    ...scenario(9, 'strict', [
      { listener: 'strict', sender: 'ghost91@shop91.victims.test', recipients: [], rcpts: ['nobody91@pfx.test'],
        rejects: [{ recipient: 'nobody91@pfx.test', stage: 'RCPT' }], outcome: 'rejected_at_smtp',
        design: 'strict twin: 550 5.1.1 User unknown in local recipient table' },
      { listener: 'strict', sender: 'ghost92@shop92.victims.test', recipients: [], rcpts: ['nobody92@relay.pfx.test'],
        rejects: [{ recipient: 'nobody92@relay.pfx.test', stage: 'RCPT' }], outcome: 'rejected_at_smtp',
        design: 'strict twin: reject_unverified_recipient probes the downstream (550 5.1.1) and rejects' },
      { listener: 'strict', sender: 'ghost93@shop93.victims.test', recipients: [sent('alice@pfx.test')], rcpts: ['alice@pfx.test', 'nobody93@pfx.test'],
        rejects: [{ recipient: 'nobody93@pfx.test', stage: 'RCPT' }],
        design: 'strict twin: the unknown recipient is refused, the good one is delivered' },
      { listener: 'strict', sender: 'ghost94@shop94.victims.test', recipients: [], rcpts: ['carol@relay.pfx.test'], body: virusBody,
        rejects: [{ recipient: 'carol@relay.pfx.test', stage: 'DATA' }], outcome: 'rejected_at_smtp',
        design: 'strict twin: body_checks REJECT in its own cleanup service (rejected at end of DATA, has a queue id)' },
      { listener: 'strict', sender: 'ghost95@shop95.victims.test', recipients: [], rcpts: ['full95@relay.pfx.test'],
        rejects: [{ recipient: 'full95@relay.pfx.test', stage: 'RCPT' }], outcome: 'rejected_at_smtp',
        design: 'strict twin: the verification probe gets 552 5.2.2 from downstream, so RCPT is refused' },
    ]),
    ...scenario(10, 'normal', [
      { listener: 'open', sender: 'partner101@ext.test', recipients: [sent('alice@pfx.test')], design: 'local delivery to a file (alias)' },
      { listener: 'open', sender: 'partner102@ext.test', recipients: [sent('carol@relay.pfx.test')], design: 'relayed to downstream' },
      { listener: 'open', sender: 'partner103@ext.test', recipients: [sent('friend@ext.test', 'fwdok@pfx.test')], design: 'alias forward that works' },
    ]),
    ...scenario(11, 'greylist', [
      { listener: 'open', sender: 'partner111@ext.test', recipients: [sent('grey111@relay.pfx.test')],
        design: 'downstream 450 4.7.1 greylisting on the first try, 250 on the retry' },
      { listener: 'open', sender: 'partner112@ext.test', recipients: [sent('grey112@relay.pfx.test'), sent('carol@relay.pfx.test')],
        design: 'greylisted recipient deferred while the other is delivered, then delivered' },
    ]),
    ...scenario(12, 'null-sender', [
      { listener: 'open', sender: '', recipients: [bounced('nobody121@pfx.test', 'unknown_recipient')], ndr: null,
        design: 'MAIL FROM:<> from remote; bounce goes nowhere (postmaster gets a 2bounce notice)' },
      { listener: 'open', sender: '', recipients: [bounced('nobody122@relay.pfx.test', 'unknown_recipient')], ndr: null,
        design: 'MAIL FROM:<> to an unknown relay user' },
    ]),
    ...scenario(13, 'ndr-fates', [
      { listener: 'open', sender: 'ghost131@shop131.victims.test', recipients: [bounced('nobody131@pfx.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'NDR accepted by the forged domain MX' },
      { listener: 'open', sender: 'grey132@shop132.victims.test', recipients: [bounced('nobody132@pfx.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'NDR greylisted (450 4.7.1) once, then delivered' },
      { listener: 'open', sender: 'refuse133@shop133.victims.test', recipients: [bounced('nobody133@pfx.test', 'unknown_recipient')], ndr: 'rejected',
        design: 'NDR refused 550 5.1.1 by the forged domain MX: double bounce to postmaster' },
      { listener: 'open', sender: `ghost134@${NXDOMAIN}`, recipients: [bounced('nobody134@pfx.test', 'unknown_recipient')], ndr: 'undeliverable',
        design: 'sender domain routed to error:5.4.4 Host or domain name not found: NDR bounces, double bounce' },
    ]),
    ...scenario(14, 'local-sender', [
      { listener: 'open', sender: 'bob@pfx.test', recipients: [bounced('nobody141@pfx.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'remote client, sender in a local domain: NDR delivered locally to bob, not backscatter' },
    ]),
    ...scenario(15, 'internal', [
      { listener: 'open', internal: true, sender: 'ghost151@shop151.victims.test', recipients: [bounced('nobody151@pfx.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'client 127.0.0.1 is in mynetworks: internal origin, not backscatter' },
      { listener: 'pickup', sender: 'ghost152@shop152.victims.test', recipients: [bounced('nobody152@pfx.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'sendmail(1) pickup (local origin), not backscatter' },
    ]),
    ...scenario(17, 'relay-policy', [
      { listener: 'open', sender: 'ghost171@shop171.victims.test', recipients: [bounced('policy171@relay.pfx.test', 'relay_rejected')], ndr: 'delivered',
        design: 'downstream refuses with 554 5.7.1 Access denied (policy)' },
    ]),
    // A dictionary scan: one client probes for valid addresses in ONE session. Sent in the strict
    // twin's lane, after the strict scenarios.
    ...scenario(18, 'dictionary-scan', [
      { listener: 'strict', sender: 'ghost181@shop181.victims.test', recipients: [], rcpts: SCAN_RCPTS,
        rejects: SCAN_RCPTS.map((recipient) => ({ recipient, stage: 'RCPT' as const })), rejectCode: 550, outcome: 'rejected_at_smtp',
        design: 'dictionary scan: one session to the strict twin, forged sender, RCPT TO scan1..scan8@pfx.test (no such users): '
          + 'each refused 550 5.1.1 User unknown in local recipient table (reject_unlisted_recipient, no verify probe); '
          + 'no recipient accepted, so no DATA, then QUIT. 8 errors stay under smtpd_soft_error_limit (10: no error sleep) '
          + 'and smtpd_hard_error_limit (20: no disconnect)' },
    ]),
    // Forged senders with an RFC 5321 quoted local part (issue 12, item 7): legal in MAIL FROM,
    // logged quoted, and the NDR goes back to them: still backscatter.
    ...scenario(19, 'quoted-sender', [
      { listener: 'open', sender: '"x y"@shop191.victims.test', recipients: [bounced('nobody191@pfx.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'quoted local part with a space; unknown local user, so the NDR goes to the quoted address' },
      { listener: 'open', sender: '"x>y, z\\"w"@shop192.victims.test', recipients: [bounced('nobody192@pfx.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'quoted local part holding ">", ", " and an escaped quote, which end an unquoted address in a log field' },
    ]),
    // FILTER_README's simple content filter (issue 13, item 1): pipe(8) hands the message to a
    // script that re-injects it with sendmail -G -i -f sender; the copy arrives through pickup.
    ...scenario(20, 'simple-filter', [
      { listener: 'simplefilter', sender: 'ghost201@shop201.victims.test', recipients: [bounced('nobody201@pfx.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'pipe filter re-injects through pickup (same Message-ID and sender); local(8) bounces the unknown user: backscatter of the SMTP message' },
      { listener: 'simplefilter', sender: 'news202@ext.test', recipients: [sent('alice@pfx.test')],
        design: 'clean: pipe filter, re-injected through pickup, then local delivery' },
    ]),
    // A before-queue content filter (issue 21, item 2): smtpd_proxy_filter relays each
    // transaction to a filter that answers the client's DATA itself.
    ...scenario(21, 'proxy-filter', [
      { listener: 'proxy', sender: 'ghost211@shop211.victims.test', recipients: [], rcpts: ['carol@relay.pfx.test'], body: spamBody,
        rejects: [{ recipient: 'carol@relay.pfx.test', stage: 'DATA' }], outcome: 'rejected_at_smtp',
        design: 'the proxy filter answers 554 5.7.1 at end of DATA: smtpd logs proxy-reject, the client got the 5xx, no queue file' },
      { listener: 'proxy', sender: 'ghost212@shop212.victims.test', recipients: [bounced('nobody212@pfx.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'passed on to the after-filter smtpd (127.0.0.1:10026) with XFORWARD: client=127.0.0.1, orig_client=the real client; '
          + 'local(8) bounces the unknown user: backscatter, judged on the real client' },
      { listener: 'proxy', sender: 'news213@ext.test', recipients: [sent('carol@relay.pfx.test')],
        design: 'clean: passed on with XFORWARD, then relayed downstream' },
    ]),
    // An after-queue filter that answers in its own words (issue 21, item 3): reached over
    // content_filter=smtp:, no XFORWARD, the new queue id only in its 250 reply.
    ...scenario(22, 'own-words-filter', [
      { listener: 'ownwords', sender: 'ghost221@shop221.victims.test', recipients: [bounced('nobody221@relay.pfx.test', 'unknown_recipient')], ndr: 'delivered',
        design: 'filter re-injects into 127.0.0.1:10025 and answers "250 2.0.0 Ok: accepted (QUEUEID)"; downstream 550 5.1.1: one message, backscatter' },
      { listener: 'ownwords', sender: 'ghost222@shop222.victims.test', recipients: [bounced('nobody222@pfx.test', 'unknown_recipient')], ndr: 'delivered', body: idFormBody,
        design: 'filter answers "250 OK id=QUEUEID"; local(8) bounces the unknown user: one message, backscatter' },
      { listener: 'ownwords', sender: 'news223@ext.test', recipients: [sent('alice@pfx.test')],
        design: 'clean: "Ok: accepted (QUEUEID)", then local delivery' },
    ]),
    // Several notifications about one message (issue 21, item 1): an NDR per delivery attempt
    // that bounced recipients, and a delay notification between them.
    ...scenario(23, 'notifications', [
      { listener: 'open', sender: 'ghost231@shop231.victims.test',
        recipients: [bounced('nobody231@relay.pfx.test', 'unknown_recipient'), bounced('twice231@relay.pfx.test', 'unknown_recipient')],
        ndr: 'delivered',
        notifications: BOUNCE_WARN_BOUNCE,
        design: 'attempt 1: downstream refuses nobody231 (550: NDR 1) and defers twice231 (451); attempt 2 (past minimal_backoff_time 3 s, '
          + 'so past delay_warning_time 2 s): 451 again, "sender delay notification"; attempt 3: 550, NDR 2' },
    ]),
  ];
}
