// The JSON shapes the browser tests read from the API (only the fields they use).
/** /api/summary is the report object. */
export type { Summary } from '../../src/report/summary.ts';

export interface Timeseries {
  bucket: 'hour' | 'day';
  points: { t: string; delivered: number; rejected_at_smtp: number; bounced_after_accept: number; backscatter: number }[];
}

export type SourceRow = Record<string, string | number | null> & { filter: string };

export interface Sources {
  kind: string;
  rows: SourceRow[];
}

export interface MessageJson {
  mta: string;
  host: string;
  queue_id: string;
  queue_ids: string[];
  client_ip: string | null;
  client_name: string | null;
  helo: string | null;
  sender: string | null;
  recipients: { address: string | null; status: string; cause: string | null; reason: string | null }[];
  outcome: string;
  backscatter: boolean;
}

export interface Messages {
  total: number;
  items: MessageJson[];
}

export interface Trace {
  message: MessageJson;
  lines: string[];
}

/** The columns each Sources table shows, in order (the last column, the bar, has no text). */
export const SOURCE_COLUMNS: Record<string, string[]> = {
  cause: ['cause', 'count'],
  client: ['client_ip', 'client_name', 'helo', 'messages', 'bounced', 'backscatter'],
  scanner: ['client_ip', 'client_name', 'rejects', 'unknown_recipient'],
  local_domain: ['domain', 'cause', 'count'],
  recipient: ['address', 'cause', 'count'],
  sender_domain: ['sender_domain', 'ndrs', 'delivered', 'deferred', 'rejected', 'undeliverable', 'unknown'],
  host: ['host', 'mtas', 'accepted', 'rejected_at_smtp', 'bounced_after_accept', 'ndrs', 'backscatter'],
};

/** /api/summary's per-host split (one row per MTA host). */
export type { HostTotals as HostRow } from '../../src/store/types.ts';
