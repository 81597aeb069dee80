// A min-heap of traces by deadline (log time). The tracker evicts by deadline, not by the
// order traces happened to be touched or restored in, so where a batch or an import ended
// cannot change which traces are still in memory when a late line arrives.

export class Deadlines<T> {
  private readonly items: { at: number; seq: number; value: T }[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(at: number, value: T): void {
    const a = this.items;
    a.push({ at, seq: this.seq++, value });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  /** The earliest deadline, if any, without taking it. */
  peek(): { at: number; value: T } | undefined {
    return this.items[0];
  }

  pop(): { at: number; value: T } | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      this.down(0);
    }
    return top;
  }

  /** Keeps only the entries `keep` accepts (dropping what no longer counts, so it can be freed). */
  retain(keep: (value: T, at: number) => boolean): void {
    const kept = this.items.filter((x) => keep(x.value, x.at));
    this.items.length = 0;
    for (const x of kept) this.items.push(x);
    // Bottom-up heapify; (at, seq) keeps the order of equal deadlines as it was.
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private down(i: number): void {
    const a = this.items;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < a.length && this.less(l, m)) m = l;
      if (r < a.length && this.less(r, m)) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }

  /** Ties by insertion order, so the same pushes always pop in the same order. */
  private less(i: number, j: number): boolean {
    const x = this.items[i]!, y = this.items[j]!;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }
}
