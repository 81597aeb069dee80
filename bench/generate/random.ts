// Seeded choices for the generator (on bench/rng.ts): the same seed gives the same bytes, so a
// benchmark or a failing test can be repeated exactly.
import { rng } from '../rng.ts';

export class Random {
  readonly next: () => number;

  constructor(seed: number) {
    this.next = rng(seed);
  }

  /** A whole number in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A delay in ms, roughly exponential around `meanMs`, at least `minMs`. */
  delay(meanMs: number, minMs = 1): number {
    return Math.max(minMs, Math.round(-Math.log(1 - this.next()) * meanMs));
  }
}

/** A weighted table, chosen from in O(log n) with the cumulative weights. */
export class Weighted<T> {
  private readonly items: T[];
  private readonly cumulative: number[];
  private readonly total: number;

  constructor(entries: readonly (readonly [T, number])[]) {
    this.items = entries.map((e) => e[0]);
    let sum = 0;
    this.cumulative = entries.map((e) => (sum += e[1]));
    this.total = sum;
  }

  pick(r: Random): T {
    const x = r.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo]!;
  }
}
