// Standard input as a followed log, for containers (`docker logs -f postfix | bouncewatch serve
// --log -`). Lines wait in a bounded buffer (the stream is paused while it is full) until the
// follow loop polls. A pipe has no position to save: what was read before a restart cannot be
// skipped and what was written while bouncewatch was down is not there (README: Containers).
import type { Readable } from 'node:stream';

export interface StdinEvents {
  lines(lines: string[]): void;
  note(level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>): void;
}

export class StdinLines {
  readonly path = '-';
  readonly since = Date.now();
  private carry = '';
  private buffered: string[] = [];
  private ended = false;

  constructor(private readonly stream: Readable, private readonly on: StdinEvents, private readonly maxBuffered = 20_000) {}

  async start(): Promise<void> {
    this.stream.setEncoding('utf8');
    this.stream.on('data', (chunk: string) => {
      const parts = (this.carry + chunk).split('\n');
      this.carry = parts.pop()!;
      for (const p of parts) this.buffered.push(p.endsWith('\r') ? p.slice(0, -1) : p);
      if (this.buffered.length >= this.maxBuffered) this.stream.pause();
    });
    this.stream.on('end', () => {
      if (this.carry !== '') this.buffered.push(this.carry);
      this.carry = '';
      this.ended = true;
      this.on.note('info', 'standard input ended: nothing more to follow (the dashboard stays up)');
    });
  }

  async poll(): Promise<boolean> {
    if (this.buffered.length === 0) return false;
    const lines = this.buffered;
    this.buffered = [];
    if (!this.ended) this.stream.resume();
    this.on.lines(lines);
    return true;
  }

  async reopenOnSignal(): Promise<void> {}

  async close(): Promise<void> {
    await this.poll();
  }
}
