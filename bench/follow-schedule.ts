// The seeded plan of a bench/follow-compare.ts run, the same for every contender: where the
// writer rotates the file, and when the consumer is killed.
import { between, rng } from './rng.ts';

export type Rotation = 'rename' | 'copytruncate';

/** Two rotations of each kind in a seeded order, spread between 20% and 80% of the lines. */
export function rotations(lines: number, seed: number): { after: number; kind: Rotation }[] {
  const rand = rng(seed ^ 0x5eed);
  const kinds: Rotation[] = ['rename', 'rename', 'copytruncate', 'copytruncate'];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = between(rand, 0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return kinds.map((kind, i) => ({ kind, after: Math.round(lines * (0.2 + 0.2 * i + (rand() - 0.5) * 0.1)) }));
}

/** How long each consumer run lives before its SIGKILL, in ms after it said it was up. */
export function killDelays(kills: number, maxMs: number, seed: number): number[] {
  const rand = rng(seed ^ 0xdead);
  return Array.from({ length: kills }, () => Math.round(rand() * maxMs));
}
