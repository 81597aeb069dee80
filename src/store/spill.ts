// The correlator's spill in the database: open messages moved out of memory keep their
// (opaque) state in spilled_messages and are found again here by any of their queue ids, or by
// deadline. Reads only; the writer adds and removes the rows in the batch transaction. A Bloom
// filter of the spilled queue ids answers "not spilled" for a new message without asking the
// database. Each backend gives the four synchronous look-ups (SpillSource).
import type { SavedMessage, SpillReader } from './types.ts';

/** The look-ups the spill makes, synchronous (SpillReader is: see docs/decisions/0004). */
export interface SpillSource {
  count(): number;
  byQueueId(host: string, qid: string): SavedMessage | undefined;
  /** Due by `now` (a finite number), by deadline then id. */
  due(now: number): SavedMessage[];
  keys(): Iterable<{ host: string; queue_id: string }>;
}

/** Bits per spilled queue id: with three hashes, about 3% of new ids still ask SQLite. */
const BITS_PER_KEY = 8;
const MIN_BITS = 1 << 20;

/** Three 32-bit hashes of a string (FNV-1a and two derived), enough to spread a Bloom filter. */
function hashes(s: string): [number, number, number] {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  const g = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return [h >>> 0, g >>> 0, (h + 2 * g) >>> 0];
}

class Bloom {
  private readonly bits: Uint32Array;
  private readonly mask: number;
  /** Keys added since it was built: past a size, it is built again from the database. */
  added = 0;

  constructor(readonly capacity: number) {
    let n = MIN_BITS;
    while (n < capacity * BITS_PER_KEY) n *= 2;
    this.bits = new Uint32Array(n >>> 5);
    this.mask = n - 1;
  }

  add(key: string): void {
    for (const h of hashes(key)) this.bits[(h & this.mask) >>> 5]! |= 1 << (h & 31);
    this.added++;
  }

  mayHave(key: string): boolean {
    for (const h of hashes(key)) if ((this.bits[(h & this.mask) >>> 5]! & (1 << (h & 31))) === 0) return false;
    return true;
  }
}

export class Spill implements SpillReader {
  private count: number;
  /** Handed back to the correlator and not yet written again: not to be handed out twice. */
  private readonly taken = new Set<number>();
  /** Built at the first look-up, not at start-up: reading every spilled id takes seconds. */
  private bloom: Bloom | undefined;

  constructor(private readonly source: SpillSource) {
    this.count = source.count();
  }

  get size(): number {
    return this.count;
  }

  take(host: string, qid: string): SavedMessage | undefined {
    this.bloom ??= this.build();
    if (!this.bloom.mayHave(`${host} ${qid}`)) return undefined;
    const r = this.source.byQueueId(host, qid);
    return r && !this.taken.has(r.id) ? this.hand(r) : undefined;
  }

  due(now: number): SavedMessage[] {
    if (this.count === 0) return [];
    // Infinity is no database number: the largest time there is will do.
    const rows = this.source.due(Number.isFinite(now) ? now : Number.MAX_SAFE_INTEGER);
    return rows.filter((r) => !this.taken.has(r.id)).map((r) => this.hand(r));
  }

  /** After a batch is written: what it spilled is counted and known by its queue ids. */
  written(spilled: { host: string; qids: string[] }[]): void {
    this.count += spilled.length;
    this.taken.clear();
    if (!this.bloom) return; // built from the database when first needed
    for (const s of spilled) for (const q of s.qids) this.bloom.add(`${s.host} ${q}`);
    // Taken-back ids stay set in the filter: rebuilt once it holds twice what it was sized for.
    if (this.bloom.added > 2 * this.bloom.capacity) this.bloom = this.build();
  }

  private build(): Bloom {
    const bloom = new Bloom(Math.max(this.count * 2, 1 << 16));
    for (const r of this.source.keys()) bloom.add(`${r.host} ${r.queue_id}`);
    bloom.added = 0;
    return bloom;
  }

  private hand(r: SavedMessage): SavedMessage {
    this.taken.add(r.id);
    this.count--;
    return r;
  }
}
