// What differs between the Postfix and the Exim harness, and nothing else: the shared run
// (harness.ts: peers, rsyslog, sending, draining, truth, outputs, self-check) is written once
// against this adapter. postfix/run.ts and exim/run.ts each give one.
import type { Endpoint } from './proc-net.ts';
import type { Peers } from './peers.ts';
import type { Needs } from './prerequisites.ts';
import type { Rsyslog } from './rsyslog.ts';
import type { ScenarioMessage } from './scenario.ts';
import type { Sent } from './send.ts';
import type { Transaction } from './smtp-server.ts';
import type { Listener, Truth } from './truth.ts';

export type Listeners = Partial<Record<Exclude<Listener, 'pickup'>, Endpoint>>;

export interface MtaAdapter<P extends Peers = Peers> {
  /** truth.mta, and the harness's name in messages ('postfix harness: ...'). */
  mta: Truth['mta'];
  /** 'Postfix', 'Exim': in messages about the MTA itself. */
  label: string;
  /** Prefix of the throwaway work dir (also how leftovers of a killed run are found). */
  workPrefix: string;
  /** Binaries and users the run needs (prerequisites()). */
  needs: Needs;
  /** What the client sends to (waited for after start); every address must be free before a run. */
  listen: Endpoint[];
  /** The Node peers' addresses (must be free before a run). */
  peerAddresses: Endpoint[];
  /** How to stop the leftovers of an earlier run; what else may hold the addresses. */
  staleHint: string;
  busyHint: string;
  /** rsyslog's host field and the truth's local domains. */
  syslogHost: string;
  localDomains: string[];
  /** Extra truth keys, placed after `hostname` (Exim's mainlog_host). */
  truthExtras?: () => Partial<Truth>;
  /**
   * Postfix: the truth takes the notifications the forged senders' MX received where a delay
   * warning was among them (delay_warning_time is server-wide, so timing decides).
   */
  settlesNotices: boolean;
  /** The log files writeOutputs() puts in OUTDIR, each read back by the e2e and fixture tests. */
  logs: readonly string[];
  /** The host bouncewatch should report for a log's messages; undefined: unchecked. */
  expectedHost(log: string, truth: Truth): string | undefined;
  /** How long the harness's beforeAll may take. */
  timeoutMs: number;
  scenarios(): ScenarioMessage[];
  startPeers(): Promise<P>;
  /** Writes and checks the MTA's config in root (not started yet). */
  prepare(root: string): Promise<MtaInstance>;
  verify: VerifyRules<P>;
}

/** One configured MTA of a run. */
export interface MtaInstance {
  label: string;
  listeners: Listeners;
  /** rsyslogd's work dir; where local mailboxes are files named after the user. */
  syslogDir: string;
  mboxDir: string;
  /** For the progress line ('exim 4.96'). */
  version: string;
  start(): void;
  /** The daemon's last output, for errors. */
  output(): string;
  /** Safe to call twice, and before start(). */
  stop(): Promise<void>;
  /** A local submission (listener 'pickup'). */
  submitLocal(sender: string, rcpts: string[], message: string): Promise<void>;
  /** Messages still queued, frozen ones included. */
  queueEmpty(): Promise<boolean>;
  queueListing(): Promise<string>;
  /** A forced queue run: a guard against a stall. */
  flushQueue(): Promise<void>;
  /** Copies the logs (rsyslog's; null: the run logged to journald) and configs into outDir; truth.json is written beside them. */
  writeOutputs(outDir: string, rs: Rsyslog | null): Promise<void>;
  /** Problems only the MTA can tell (Exim's paniclog). */
  problems(): Promise<string[]>;
  /** Undoes what prepare() changed outside root. */
  cleanup(): Promise<void>;
}

/** The per-MTA parts of the self-check (verify.ts). */
export interface VerifyRules<P extends Peers> {
  /** Where a non-local recipient's copy goes. */
  peerOf(address: string, peers: P): Transaction[];
  /** A relay domain whose server advertises SIZE: big mail is never sent there (Postfix). */
  sizeAdvertised(address: string): boolean;
  /** The content filter peer that refuses the virus (Postfix's fake amavis); none: Exim's system filter. */
  contentFilter(peers: P): Transaction[] | null;
  /** How many refusals a rejected NDR meets (Exim: before and after the errmsg timer). */
  ndrRefusals: number;
  /** Checks of the MTA's own listeners (Postfix's filters). */
  extra(s: Sent, peers: P): string[];
}
