// What every consumer of bench/follow-compare.ts shares: the numbered line format, the per-line
// work, and a SQLite sink that commits received line numbers and a read position in one transaction.
import Database from 'better-sqlite3';
import type { Checkpoint } from '../src/inputs/position.ts';

/** `000000042 filler 000000042`: the number twice, so a cut or glued line shows as garbled. */
export function lineOf(n: number, filler: string): string {
  const num = String(n).padStart(9, '0');
  return `${num} ${filler} ${num}`;
}

const LINE = /^(\d{9}) [a-z]+ (\d{9})$/;

/** The line's number, or undefined when the line is not one the writer wrote whole. */
export function numberOf(line: string): number | undefined {
  const m = LINE.exec(line);
  return m && m[1] === m[2] ? Number(m[1]) : undefined;
}

/** The "small per-line work" of a real consumer (parsing, correlating). */
export function work(micros: number): void {
  const end = performance.now() + micros / 1000;
  while (performance.now() < end) {
    // busy
  }
}

export interface SavedPosition {
  key: string;
  fpLen: number;
  offset: number;
  lines?: number;
  dev?: number;
  ino?: number;
  birthMs?: number;
  size?: number;
}

/** The live file's key (null: the path had no file) and since when it is followed, as serve keeps them. */
export interface SavedCheckpoint {
  key: string | null;
  since: number;
}

/** Received numbers (NULL for a garbled line) and positions, committed together per batch. */
export class Sink {
  private readonly db: Database.Database;
  private pending: (number | null)[] = [];
  private readonly insert: Database.Statement;
  private readonly bump: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly drop: Database.Statement;
  private readonly mark: Database.Statement;
  private readonly sample: Database.Statement;
  private samples: string[] = [];

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS got (n INTEGER);
      CREATE TABLE IF NOT EXISTS garbled (line TEXT);
      CREATE TABLE IF NOT EXISTS progress (id INTEGER PRIMARY KEY CHECK (id = 1), received INTEGER, last_at REAL, runs INTEGER);
      INSERT OR IGNORE INTO progress VALUES (1, 0, 0, 0);
      UPDATE progress SET runs = runs + 1;
      CREATE TABLE IF NOT EXISTS positions (key TEXT PRIMARY KEY, fp_len INTEGER NOT NULL, offset INTEGER NOT NULL,
        lines INTEGER, dev INTEGER, ino INTEGER, birth_ms INTEGER, size INTEGER);
      CREATE TABLE IF NOT EXISTS checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), key TEXT, since REAL, looked_at REAL);`);
    this.insert = this.db.prepare('INSERT INTO got (n) VALUES (?)');
    this.bump = this.db.prepare('UPDATE progress SET received = received + ?, last_at = ? WHERE id = 1');
    this.upsert = this.db.prepare(`INSERT INTO positions (key, fp_len, offset, lines, dev, ino, birth_ms, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET fp_len = excluded.fp_len, offset = excluded.offset, lines = excluded.lines,
      dev = coalesce(excluded.dev, dev), ino = coalesce(excluded.ino, ino), birth_ms = coalesce(excluded.birth_ms, birth_ms),
      size = coalesce(excluded.size, size)`);
    this.mark = this.db.prepare(`INSERT INTO checkpoint (id, key, since, looked_at) VALUES (1, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET key = excluded.key, looked_at = excluded.looked_at`);
    this.drop = this.db.prepare('DELETE FROM positions WHERE key = ?');
    this.sample = this.db.prepare('INSERT INTO garbled (line) VALUES (?)');
  }

  get pendingLines(): number {
    return this.pending.length;
  }

  take(line: string): void {
    const n = numberOf(line);
    this.pending.push(n ?? null);
    if (n === undefined && this.samples.length < 20) this.samples.push(line.slice(0, 200));
  }

  positions(): SavedPosition[] {
    return (this.db.prepare('SELECT key, fp_len AS fpLen, offset, lines FROM positions WHERE fp_len > 0').all() as SavedPosition[]);
  }

  /** The checkpoint as serve's store gives it (src/store/sqlite/positions.ts loadCheckpoint). */
  checkpoint(): Checkpoint | undefined {
    const c = this.db.prepare('SELECT key, since, looked_at AS lookedAt FROM checkpoint').get() as { key: string | null; since: number; lookedAt: number } | undefined;
    if (!c) return undefined;
    const f = c.key === null ? undefined : this.db.prepare(`SELECT key AS fingerprint, fp_len AS fpLen, offset, coalesce(lines, 0) AS lines,
      dev, ino, birth_ms AS birthMs, size, 'mail.log' AS path FROM positions WHERE key = ?`).get(c.key) as NonNullable<Checkpoint['file']> | undefined;
    return { since: c.since, lookedAt: c.lookedAt, ...(f ? { file: f } : {}) };
  }

  /** One transaction: the batch's numbers, then the positions it reached (and the ones they replace), then the checkpoint. */
  commit(positions: SavedPosition[], replaced: string[] = [], checkpoint?: SavedCheckpoint): void {
    const rows = this.pending;
    const samples = this.samples;
    this.pending = [];
    this.samples = [];
    this.db.transaction(() => {
      for (const n of rows) this.insert.run(n);
      for (const s of samples) this.sample.run(s);
      for (const key of replaced) this.drop.run(key);
      for (const p of positions) {
        this.upsert.run(p.key, p.fpLen, p.offset, p.lines ?? null, p.dev ?? null, p.ino ?? null, p.birthMs ?? null, p.size ?? null);
      }
      if (checkpoint) this.mark.run(checkpoint.key, checkpoint.since, Date.now());
      // A commit of a checkpoint alone (a restart) is not progress: lines/s counts to the last line.
      if (rows.length > 0) this.bump.run(rows.length, Date.now());
    })();
  }

  close(): void {
    this.db.close();
  }
}
