// The shapes of alerting: a condition a rule found in the window (what may fire), the evidence
// an alert keeps, and the notifications the channels carry.
import type { AlertRow } from '../store/types.ts';

/** A piece of an alert's text: literal words, or a value from the logs (escaped by each channel). */
export type Part = string | { v: string };

/** What one rule found to hold for one thing (rule, key) at the window's end. */
export interface Condition {
  rule: string;
  key: string;
  host: string | null;
  value: number;
  threshold: number;
  /** One line, in parts: the words and the log values in it. */
  title: Part[];
  /** The figures behind it, shown under the title. */
  facts: Part[][];
  evidence: AlertEvidence;
}

/** Kept with each alert (column `evidence`, JSON). */
export interface AlertEvidence {
  /** The window it was judged on, ISO 8601. */
  from: string;
  to: string;
  /** The dashboard page and its query (filter), relative to the dashboard's address. */
  page: 'messages.html' | 'sources.html';
  filter: Record<string, string>;
  title_parts: Part[];
  facts: Part[][];
}

export type NotificationKind = 'firing' | 'resolved' | 'test';

/** One notification: an alert (or a test) as every channel renders it. */
export interface Notice {
  kind: NotificationKind;
  alert: AlertRow;
  /** The link to the dashboard filtered to the evidence; null without a dashboard address. */
  link: string | null;
}

export interface Channel {
  /** webhook, email. */
  readonly name: string;
  /** Where it goes, for logs and `alerts test` (no secret in it). */
  readonly target: string;
  send(n: Notice): Promise<void>;
}
