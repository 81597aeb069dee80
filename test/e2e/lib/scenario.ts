// The scenario builder both harnesses share: a scenario is a list of messages, each a Spec of
// who sends what to which listener, turned into what the client sends and the truth it records
// (recipient fates, causes, NDR fate, backscatter). The lists themselves are per MTA
// (postfix/scenarios.ts, exim/scenarios.ts); truth.json is built from them.
import type { Cause, Listener, NdrFate, Outcome, TruthMessage, TruthRecipient } from './truth.ts';

export interface ScenarioMessage {
  truth: TruthMessage;
  /** RCPT TO addresses in the order the client sends them (accepted and rejected). */
  rcpts: string[];
  /** Recipients the listener refuses during the session (the strict twin). */
  rejects: { recipient: string; stage: 'RCPT' | 'DATA' }[];
  /** The exact reply code every RCPT-stage refusal must get (checked by lib/verify.ts). */
  rejectCode?: number;
  body?: string;
  padBytes?: number;
  /** Exim: the system filter fails it after acceptance (the virus marker on the open listener). */
  filterCancels?: boolean;
}

export const sent = (address: string, orig?: string): TruthRecipient =>
  ({ address, expect_status: 'sent', expect_cause: null, ...(orig ? { orig_address: orig } : {}) });
export const bounced = (address: string, cause: Cause, orig?: string): TruthRecipient =>
  ({ address, expect_status: 'bounced', expect_cause: cause, ...(orig ? { orig_address: orig } : {}) });
export const expired = (address: string): TruthRecipient => ({ address, expect_status: 'expired', expect_cause: 'expired' });

export interface Spec {
  /** 'pickup': a local submission (Postfix sendmail(1); Exim `exim -f SENDER`, P=local U=root). */
  listener: Listener;
  sender: string;
  recipients: TruthRecipient[];
  rcpts?: string[]; // defaults to the recipients' (orig_)addresses
  rejects?: ScenarioMessage['rejects'];
  rejectCode?: number;
  ndr?: NdrFate | null; // fate of the NDR to the sender; null = no NDR
  outcome?: Outcome;
  internal?: boolean; // client INTERNAL_CLIENT (mynetworks, relay_from_hosts) instead of a remote address
  body?: string;
  padBytes?: number;
  /** Every notification to the sender, when there are more than the one NDR. */
  notifications?: TruthMessage['expect_notifications'];
  design: string;
}

/** The client that counts as internal in both harnesses (and in bouncewatch's default internal networks). */
export const INTERNAL_CLIENT = '127.0.0.1';

export interface ScenarioStyle {
  /** Remote clients are `${clientNet}.<scenario>.<n>` (Postfix 127.1, Exim 127.2). */
  clientNet: string;
  /** Message-IDs are `${idPrefix}-<scenario>-<n>@harness.test`. */
  idPrefix: string;
  /** The local domain: its senders are not backscatter victims; the internal client's HELO is app.<it>. */
  localDomain: string;
  /** Exim: which messages its system filter cancels after acceptance (ScenarioMessage.filterCancels). */
  filterCancels?: (s: Spec) => boolean;
}

/** Whether an address is in `domain` (case-insensitive). */
export const inDomain = (domain: string) => {
  const re = new RegExp(`@${domain.replace(/\./g, '\\.')}$`, 'i');
  return (address: string): boolean => re.test(address);
};

/** The scenario function of one harness: scenario(index, name, specs) gives its messages. */
export function scenarioBuilder(style: ScenarioStyle): (index: number, name: string, specs: Spec[]) => ScenarioMessage[] {
  const isLocal = inDomain(style.localDomain);
  return (index, name, specs) => specs.map((s, i) => {
    const n = i + 1;
    const pickup = s.listener === 'pickup';
    const clientIp = pickup ? null : s.internal ? INTERNAL_CLIENT : `${style.clientNet}.${index}.${n}`;
    const remote = !pickup && !s.internal;
    const anyFailed = s.recipients.some((r) => r.expect_status === 'bounced' || r.expect_status === 'expired');
    const outcome: Outcome = s.outcome ?? (anyFailed ? 'bounced_after_accept' : 'delivered');
    const ndr = s.ndr ? { to: s.sender, fate: s.ndr } : null;
    const backscatter = outcome === 'bounced_after_accept' && ndr !== null && remote && !isLocal(s.sender);
    return {
      rcpts: s.rcpts ?? s.recipients.map((r) => r.orig_address ?? r.address),
      rejects: s.rejects ?? [],
      ...(style.filterCancels ? { filterCancels: style.filterCancels(s) } : {}),
      ...(s.rejectCode !== undefined ? { rejectCode: s.rejectCode } : {}),
      ...(s.body !== undefined ? { body: s.body } : {}),
      ...(s.padBytes !== undefined ? { padBytes: s.padBytes } : {}),
      truth: {
        scenario: name,
        message_id: `${style.idPrefix}-${name}-${n}@harness.test`,
        listener: s.listener,
        client_ip: clientIp,
        helo: pickup ? null : s.internal ? `app.${style.localDomain}` : `h${index}-${n}.bots.test`,
        sender: s.sender,
        recipients: s.recipients,
        expect_outcome: outcome,
        expect_ndr: ndr,
        ...(s.notifications ? { expect_notifications: s.notifications } : {}),
        expect_backscatter: backscatter,
        expect_origin: pickup ? 'local' : 'smtp',
        expect_remote: remote,
        design: s.design,
      },
    };
  });
}
