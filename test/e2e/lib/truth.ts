// The truth file's shape: what the harness sent and what each scenario is designed to produce.
// Written from the scenario definitions (never from the log) and read by check-truth.ts.
export type Listener = 'open' | 'strict' | 'filtered' | 'simplefilter' | 'proxy' | 'ownwords' | 'pickup';
export type RcptStatus = 'sent' | 'bounced' | 'deferred' | 'expired';
export type Cause =
  | 'unknown_recipient'
  | 'mailbox_full'
  | 'message_too_large'
  | 'content_rejected'
  | 'forward_rejected'
  | 'relay_rejected'
  | 'expired'
  | 'other';
export type Outcome = 'delivered' | 'bounced_after_accept' | 'rejected_at_smtp';
export type NdrFate = 'delivered' | 'deferred' | 'rejected' | 'undeliverable';

export interface TruthRecipient {
  address: string;
  expect_status: RcptStatus;
  expect_cause: Cause | null;
  /** The address the client gave when an alias rewrote it (Postfix orig_to). */
  orig_address?: string;
  /**
   * false: the log never names this recipient (Exim's default log_selector lists no recipients
   * on arrival, and a message the system filter cancels has no `**` lines). bouncewatch then
   * reports one failed recipient with address null for the message, of this status and cause.
   */
  logged?: false;
}

export interface TruthMessage {
  scenario: string;
  message_id: string; // without <>
  /** 'pickup' = submitted with sendmail(1) (local origin, no client address). */
  listener: Listener;
  client_ip: string | null;
  helo: string | null;
  sender: string; // "" for <>
  /** Recipients that were accepted into the queue; RCPT-rejected ones are in smtp_rejects. */
  recipients: TruthRecipient[];
  expect_outcome: Outcome;
  expect_ndr: { to: string; fate: NdrFate } | null;
  /**
   * Every notification to the sender, in the order they are made, when the scenario makes more
   * than its one NDR (a second bounce, a delay warning). Absent: just expect_ndr.
   */
  expect_notifications?: { type: 'non_delivery' | 'delay'; fate: NdrFate }[];
  expect_backscatter: boolean;
  /** Extra keys (not in the original brief): origin and remote as bouncewatch should report them. */
  expect_origin: 'smtp' | 'local';
  expect_remote: boolean;
  /** A human note on how the scenario produces its result. */
  design: string;
}

export interface TruthReject {
  client_ip: string;
  sender: string;
  recipient: string;
  stage: 'RCPT' | 'DATA';
  message_id: string;
}

export interface Truth {
  generated_at: string;
  /** Host field bouncewatch should report for the syslog files (rsyslog's localHostName). */
  hostname: string;
  /**
   * Exim only: the short host name of the machine that wrote the mainlog, which names no host.
   * bouncewatch reports the importing machine's short host name for mainlog lines.
   */
  mainlog_host?: string;
  mta: 'postfix' | 'exim';
  local_domains: string[];
  messages: TruthMessage[];
  smtp_rejects: TruthReject[];
}

/** The NDRs a scenario message sends its sender: one per attempt that failed recipients. */
export function ndrCount(m: { expect_ndr: unknown; expect_notifications?: { type: string }[] }): number {
  if (m.expect_notifications) return m.expect_notifications.filter((n) => n.type === 'non_delivery').length;
  return m.expect_ndr !== null && m.expect_ndr !== undefined ? 1 : 0;
}

type Notice = NonNullable<TruthMessage['expect_notifications']>[number];

/** Every notification a scenario message sends its sender: the designed list, or its one NDR. */
export function expectedNotices(m: Pick<TruthMessage, 'expect_ndr' | 'expect_notifications'>): Notice[] {
  return m.expect_notifications ?? (m.expect_ndr ? [{ type: 'non_delivery', fate: m.expect_ndr.fate }] : []);
}

/** A bounce, a delay warning, a second bounce, each delivered: both harnesses' "notifications" scenario. */
export const BOUNCE_WARN_BOUNCE: Notice[] = [
  { type: 'non_delivery', fate: 'delivered' }, { type: 'delay', fate: 'delivered' }, { type: 'non_delivery', fate: 'delivered' },
];
