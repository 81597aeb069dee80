// Time-ordered output from many overlapping message lifecycles. Each unit (one SMTP session,
// one local submission, one burst of noise) is planned whole, then its lines wait in a heap
// keyed by their next time: memory holds only the units still in flight, never the file.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Stamper } from './stamp.ts';

/** The lines of one unit, in time order once sealed. */
export class Unit {
  times: number[] = [];
  texts: string[] = [];
  pos = 0;
  mail = 0;
  other = 0;

  /** `mail` says whether bouncewatch counts the line as an MTA line (else 'other'). */
  add(t: number, text: string, mail = true): void {
    this.times.push(t);
    this.texts.push(text);
    if (mail) this.mail++;
    else this.other++;
  }

  get length(): number {
    return this.times.length;
  }

  /** Parallel flows (an NDR's retries, the original's removal) are added apart: merge by time. */
  seal(): void {
    const n = this.times.length;
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) sorted = this.times[i - 1]! <= this.times[i]!;
    if (sorted) return;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.times[a]! - this.times[b]! || a - b);
    this.times = order.map((i) => this.times[i]!);
    this.texts = order.map((i) => this.texts[i]!);
  }
}

const key = (u: Unit): number => u.times[u.pos]!;

/** A binary min-heap of units by the time of their next line. */
class UnitHeap {
  private readonly a: Unit[] = [];

  get size(): number {
    return this.a.length;
  }

  peekTime(): number {
    return this.a.length > 0 ? key(this.a[0]!) : Number.POSITIVE_INFINITY;
  }

  top(): Unit {
    return this.a[0]!;
  }

  push(u: Unit): void {
    const a = this.a;
    let i = a.push(u) - 1;
    const k = key(u);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (key(a[p]!) <= k) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = u;
  }

  /** The top unit moved on to its next line (or ran out): restore the order. */
  fixTop(): void {
    const a = this.a;
    let u = a[0]!;
    if (u.pos >= u.length) {
      const last = a.pop()!;
      if (a.length === 0) return;
      u = last;
    }
    const k = key(u);
    const n = a.length;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && key(a[c + 1]!) < key(a[c]!)) c++;
      if (key(a[c]!) >= k) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = u;
  }
}

const CHUNK = 4 << 20;

/** Writes units' lines in time order, buffered, to one file. */
export class Scheduler {
  private readonly heap = new UnitHeap();
  private readonly fd: number;
  // Lines are ASCII: copied into one reused buffer, which avoids building (and collecting)
  // a rope of millions of small strings.
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private at = 0;
  written = 0;

  constructor(
    path: string,
    private readonly stamper: Stamper,
  ) {
    this.fd = openSync(path, 'w');
  }

  get inFlight(): number {
    return this.heap.size;
  }

  add(u: Unit): void {
    if (u.length === 0) return;
    u.seal();
    this.heap.push(u);
  }

  /** Writes every line earlier than `t`: no unit planned later can start before it. */
  writeUntil(t: number): void {
    const heap = this.heap;
    const buf = this.buf;
    while (heap.peekTime() < t) {
      const u = heap.top();
      const stamp = this.stamper.stamp(u.times[u.pos]!);
      const text = u.texts[u.pos]!;
      if (this.at + stamp.length + text.length + 1 > CHUNK) this.flush();
      this.at += buf.write(stamp, this.at, 'latin1');
      this.at += buf.write(text, this.at, 'latin1');
      buf[this.at++] = 10;
      u.pos++;
      this.written++;
      heap.fixTop();
    }
  }

  private flush(): void {
    writeSync(this.fd, this.buf, 0, this.at);
    this.at = 0;
  }

  close(): void {
    this.writeUntil(Number.POSITIVE_INFINITY);
    this.flush();
    closeSync(this.fd);
  }
}
