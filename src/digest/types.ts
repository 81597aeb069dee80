// What a digest says, independent of how it is shown: the text part, the HTML part and the
// subject are all rendered from this one object, so they cannot disagree on a figure.
import type { Mta, Severity } from '../advise/types.ts';
import type { Period } from '../store/types.ts';

/** The figures compared side by side; the keys are also the HTML's data-k attributes. */
export type FigureKey = 'accepted' | 'rejected_at_smtp' | 'bounced_after_accept' | 'ndrs' | 'backscatter' | 'smtp_refusal_share';

export interface Figure {
  key: FigureKey;
  label: string;
  kind: 'count' | 'share';
  /** A count, or a share from 0 to 1; null for a share of nothing ("–"). */
  current: number | null;
  previous: number | null;
}

export interface CauseRow {
  cause: string;
  current: number;
  previous: number;
}

export interface SourceTable {
  key: 'local_domain' | 'recipient' | 'client' | 'sender_domain';
  title: string;
  /** Headings; the text cells come first, then the numbers. */
  columns: string[];
  /** `cells` hold strings from the logs (untrusted); `count` is what the bar is drawn from. */
  rows: { cells: string[]; numbers: number[]; count: number }[];
}

export interface AdviceChange {
  id: string;
  mta: Mta;
  /** The MTA host whose config it is for. */
  host: string;
  title: string;
  status: 'new' | 'worse';
  prevented: number;
  previous: number;
}

export interface Advice {
  id: string;
  mta: Mta;
  /** The MTA host whose config it is for. */
  host: string;
  title: string;
  severity: Severity;
  /** The first line of the change that is not a comment. */
  change: string;
  prevented: number;
}

/** One alert that started in the period, as the digest lists it. */
export interface AlertItem {
  rule: string;
  /** The MTA host it is about, when it is about one. */
  host: string | null;
  state: 'firing' | 'resolved';
  /** Plain text, but holding strings from the logs (untrusted). */
  title: string;
  /** Log times (ms). */
  started_at: number;
  resolved_at: number | null;
}

/** The alerts that started in the period (of its host, and those about no host). */
export interface AlertsSummary {
  total: number;
  /** More alerts started than were read: `total` is a lower bound. */
  capped: boolean;
  /** Most first, then by name. */
  byRule: { rule: string; count: number }[];
  /** The newest few, newest first. */
  recent: AlertItem[];
}

/** One of our addresses listed now, as the digest lists it. */
export interface ListedAddress {
  address: string;
  zone: string;
  /** Wall-clock ms of the first check that found it listed. */
  since: number;
  /** The list's answer (A records), what it means, and its reasons (TXT: the list's text, untrusted). */
  codes: string[];
  meaning: string | null;
  reasons: string[];
  /** Backscatter NDRs in the week before the listing. */
  backscatterBefore: number;
}

/** The blocklist watch: the listings, the failing checks, and the period's refusals of our mail. */
export interface BlocklistsSummary {
  /** How many (address, list) pairs are checked. */
  checked: number;
  listed: ListedAddress[];
  /** Checks whose last attempt failed; status is the last known one (unknown: never succeeded). */
  failing: { address: string; zone: string; status: 'listed' | 'not_listed' | 'unknown'; error: string; checked_at: number }[];
  /** The top few (list, destination domain) by refusals, most first; domain null: the log names no address. */
  refusals: { list: string; domain: string | null; count: number }[];
  /** Refusals in all, and how many (list, domain) rows there were before the cut. */
  refusalsTotal: number;
  refusalRows: number;
}

export interface Digest {
  /** The single host of the period's messages, or "N hosts". */
  host: string;
  label: string;
  current: Period;
  previous: Period;
  subject: string;
  figures: Figure[];
  causes: CauseRow[];
  sources: SourceTable[];
  changes: AdviceChange[];
  /** How many findings there were before the list was cut. */
  changesTotal: number;
  advice: Advice[];
  alerts: AlertsSummary;
  blocklists: BlocklistsSummary;
  /** The dashboard link for this period, when --dashboard-url was given. */
  dashboard: string | null;
}
