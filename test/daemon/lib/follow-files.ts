// Shared by the follower tests: numbered log lines, a temporary log file, and a follower wired to
// a position store that commits after every position (so a "restart" is a new follower on it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Follower, type FollowerOptions } from '../../../src/inputs/follower.ts';
import type { Gap } from '../../../src/inputs/position.ts';
import { Positions } from './positions.ts';

export const line = (i: number) => `Nov 27 18:00:${String(i % 60).padStart(2, '0')} mx1 postfix/qmgr[1]: ABCDE${String(i).padStart(5, '0')}: removed`;
export const block = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => line(from + k) + '\n').join('');
export const expected = (n: number) => Array.from({ length: n }, (_, i) => line(i));

export class FollowFiles {
  readonly dir = mkdtempSync(join(tmpdir(), 'bw-follow-'));
  readonly log = join(this.dir, 'mail.log');
  readonly got: string[] = [];
  readonly notes: string[] = [];
  readonly gaps: Gap[] = [];
  readonly positions = new Positions();
  /** Called after every batch of lines, inside the follower's read: a test can change the files then. */
  hook: (() => void) | undefined;

  /** A follower as serve starts one: with the checkpoint the last one left. */
  follower(opts: Partial<FollowerOptions> = {}): Follower {
    const f: Follower = new Follower(this.log, { find: this.positions.find, checkpoint: this.positions.checkpoint(), maxLine: 4096, ...opts }, {
      lines: (lines, at) => {
        this.got.push(...lines);
        this.positions.save(at, f.since);
        this.hook?.();
      },
      note: (_level, msg) => this.notes.push(msg),
      gap: (g) => this.gaps.push(g),
    });
    return f;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
