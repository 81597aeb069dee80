// Carries notifications to the channels without ever holding up the reading of logs: each
// channel has its own queue, sent in order (a resolved never overtakes its firing), and a
// failed send is retried with exponential backoff. What each channel did is counted for
// /healthz and /metrics. A notification every channel took is marked in the store; one that
// was given up on (or was queued when serve stopped) is sent again at the next start.
import type { Logger } from '../daemon/logger.ts';
import type { Channel, Notice } from './types.ts';

export interface ChannelStatus {
  channel: string;
  target: string;
  sent: number;
  /** Sends that failed (each retry counts). */
  failed: number;
  /** Notifications waiting (the one being retried included). */
  pending: number;
  given_up: number;
  last_error: string | null;
  last_error_at: string | null;
  last_sent_at: string | null;
}

export interface NotifierOptions {
  /** First retry after this long, doubling up to maxMs. */
  baseMs?: number;
  maxMs?: number;
  /** Tries per notification before it is given up (until the next start). */
  attempts?: number;
}

interface Job {
  notice: Notice;
  attempt: number;
  done: (ok: boolean) => void;
}

class ChannelQueue {
  readonly jobs: Job[] = [];
  readonly status: ChannelStatus;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(readonly channel: Channel, private readonly log: Logger, private readonly o: Required<NotifierOptions>) {
    this.status = { channel: channel.name, target: channel.target, sent: 0, failed: 0, pending: 0, given_up: 0, last_error: null, last_error_at: null, last_sent_at: null };
  }

  push(job: Job): void {
    this.jobs.push(job);
    this.status.pending = this.jobs.length;
    if (!this.timer) void this.run();
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.jobs.length > 0) {
        const job = this.jobs[0]!;
        try {
          await this.channel.send(job.notice);
          this.status.sent++;
          this.status.last_sent_at = new Date().toISOString();
          this.jobs.shift();
          job.done(true);
        } catch (e) {
          const msg = (e as Error).message;
          this.status.failed++;
          this.status.last_error = msg;
          this.status.last_error_at = new Date().toISOString();
          job.attempt++;
          if (job.attempt >= this.o.attempts) {
            this.status.given_up++;
            this.jobs.shift();
            this.log.error({ channel: this.channel.name, alert: job.notice.alert.id, kind: job.notice.kind, err: msg, attempts: job.attempt },
              'alert notification given up: it is sent again at the next start');
            job.done(false);
            continue;
          }
          const wait = Math.min(this.o.baseMs * 2 ** (job.attempt - 1), this.o.maxMs);
          this.log.warn({ channel: this.channel.name, alert: job.notice.alert.id, kind: job.notice.kind, err: msg, retry_in_s: wait / 1000 },
            'alert notification failed: retrying');
          this.timer = setTimeout(() => {
            this.timer = undefined;
            void this.run();
          }, wait);
          this.timer.unref();
          return;
        } finally {
          this.status.pending = this.jobs.length;
        }
      }
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export class Notifier {
  private readonly queues: ChannelQueue[];

  constructor(channels: Channel[], log: Logger, private readonly onDelivered: (n: Notice) => Promise<void>, opts: NotifierOptions = {}) {
    const o = { baseMs: 5000, maxMs: 600_000, attempts: 12, ...opts };
    this.queues = channels.map((c) => new ChannelQueue(c, log, o));
  }

  get channels(): number {
    return this.queues.length;
  }

  /** Queues a notification on every channel; marks it delivered once every one took it. */
  send(notice: Notice): void {
    if (this.queues.length === 0) return;
    let left = this.queues.length;
    let allOk = true;
    for (const q of this.queues) {
      q.push({
        notice, attempt: 0,
        done: (ok) => {
          allOk &&= ok;
          if (--left === 0 && allOk) void this.onDelivered(notice).catch(() => undefined);
        },
      });
    }
  }

  status(): ChannelStatus[] {
    return this.queues.map((q) => ({ ...q.status }));
  }

  /** Resolves once every queue is empty (sent, or given up after its retries). */
  async drained(pollMs = 100): Promise<void> {
    while (this.queues.some((q) => q.jobs.length > 0)) await new Promise((r) => setTimeout(r, pollMs));
  }

  stop(): void {
    for (const q of this.queues) q.stop();
  }
}
