// The ground truth: what the generator decided to write, in bouncewatch's own vocabulary
// (README "Definitions" and "Causes"). Written as it is decided, one JSON line per message,
// and summed into totals; never computed by bouncewatch code.
import { closeSync, openSync, writeSync } from 'node:fs';

export type Outcome = 'delivered' | 'bounced_after_accept' | 'rejected_at_smtp' | 'discarded' | 'pending';
export type Cause =
  | 'unknown_recipient' | 'mailbox_full' | 'message_too_large' | 'content_rejected' | 'forward_rejected'
  | 'relay_rejected' | 'expired' | 'loop' | 'other';
export type RcptStatus = 'sent' | 'deferred' | 'bounced' | 'expired' | 'discarded' | 'pending';
export type Fate = 'delivered' | 'deferred' | 'rejected' | 'undeliverable' | 'unknown';

export interface TruthRecipient {
  address: string;
  /** The address before an alias or forward rewrote it. */
  orig_address: string | null;
  status: RcptStatus;
  cause: Cause | null;
}

export interface TruthMessage {
  host: string;
  queue_id: string;
  sender: string;
  origin: 'smtp' | 'local';
  remote: boolean;
  recipients: TruthRecipient[];
  outcome: Outcome;
  ndr_queue_id: string | null;
  ndr_fate: Fate | null;
  backscatter: boolean;
}

/** What the generator knows when it finishes planning a message; the rest follows the definitions. */
export interface PlannedMessage {
  host: string;
  queueId: string;
  sender: string;
  origin: 'smtp' | 'local';
  clientIp: string | null;
  authenticated: boolean;
  recipients: TruthRecipient[];
  /** Refused during its SMTP session (a queued reject: cleanup body check, milter, after DATA). */
  rejected?: boolean;
  ndr?: { queueId: string; fate: Fate };
}

const INTERNAL = new Set(['127.0.0.1', '::1']);

function outcomeOf(m: PlannedMessage): Outcome {
  if (m.rejected) return 'rejected_at_smtp';
  const st = m.recipients.map((r) => r.status);
  if (st.some((s) => s === 'bounced' || s === 'expired')) return 'bounced_after_accept';
  if (st.some((s) => s === 'deferred' || s === 'pending')) return 'pending';
  if (st.length > 0 && st.every((s) => s === 'discarded')) return 'discarded';
  return 'delivered';
}

const inc = (o: Record<string, number>, k: string, n = 1): void => {
  o[k] = (o[k] ?? 0) + n;
};

export class Truth {
  readonly lines = { total: 0, mail: 0, other: 0 };
  readonly messages: Record<Outcome, number> = { delivered: 0, bounced_after_accept: 0, rejected_at_smtp: 0, discarded: 0, pending: 0 };
  /** Comparable with `bouncewatch report --json`, key for key. */
  readonly report = {
    accepted: 0, accepted_remote: 0, rejected_at_smtp: 0, delivered: 0, deferred: 0, bounced_after_accept: 0,
    ndrs: 0, backscatter: 0, causes: {} as Record<string, number>, backscatter_fates: {} as Record<string, number>,
  };
  private readonly fd: number;
  private buf = '';

  constructor(
    path: string,
    private readonly localDomains: ReadonlySet<string>,
  ) {
    this.fd = openSync(path, 'w');
  }

  /** One reject or milter-reject line (NOQUEUE or queued), as the report counts them. */
  rejectLine(): void {
    this.report.rejected_at_smtp++;
  }

  message(m: PlannedMessage): TruthMessage {
    const outcome = outcomeOf(m);
    const remote = m.origin === 'smtp' && !m.authenticated && m.clientIp !== null && !INTERNAL.has(m.clientIp);
    const domain = m.sender.slice(m.sender.lastIndexOf('@') + 1).toLowerCase();
    const backscatter = outcome === 'bounced_after_accept' && m.ndr !== undefined && remote && m.sender !== '' && !this.localDomains.has(domain);
    const t: TruthMessage = {
      host: m.host, queue_id: m.queueId, sender: m.sender, origin: m.origin, remote, recipients: m.recipients, outcome,
      ndr_queue_id: m.ndr?.queueId ?? null, ndr_fate: m.ndr?.fate ?? null, backscatter,
    };
    this.count(t);
    this.buf += `${JSON.stringify(t)}\n`;
    if (this.buf.length > 1 << 20) this.flush();
    return t;
  }

  private count(t: TruthMessage): void {
    const r = this.report;
    this.messages[t.outcome]++;
    if (t.origin === 'smtp' && t.outcome !== 'rejected_at_smtp') {
      r.accepted++;
      if (t.remote) r.accepted_remote++;
    }
    if (t.outcome === 'delivered') r.delivered++;
    if (t.outcome === 'pending' && t.recipients.some((x) => x.status === 'deferred')) r.deferred++;
    if (t.outcome === 'bounced_after_accept' && t.origin === 'smtp') r.bounced_after_accept++;
    if (t.ndr_queue_id !== null) r.ndrs++;
    for (const x of t.recipients) if (x.cause !== null) inc(r.causes, x.cause);
    if (t.backscatter) {
      r.backscatter++;
      inc(r.backscatter_fates, t.ndr_fate ?? 'unknown');
    }
  }

  private flush(): void {
    writeSync(this.fd, this.buf);
    this.buf = '';
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
