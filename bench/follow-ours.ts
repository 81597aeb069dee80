// Consumer of bench/follow-compare.ts for our follower (src/inputs/follower.ts), driven as
// src/daemon/follow-loop.ts drives it: positions pending by file fingerprint, committed with the
// batch's lines and the path's checkpoint in one transaction. usage: follow-ours.ts FILE DB WORK_US BATCH POLL_MS.
import { Follower, type Position } from '../src/inputs/follower.ts';
import { fingerprintOf } from '../src/inputs/fingerprint.ts';
import type { Known } from '../src/inputs/position.ts';
import { Sink, work, type SavedPosition } from './follow-sink.ts';

const [file, dbPath, workArg, batchArg, pollArg] = process.argv.slice(2);
if (!file || !dbPath) {
  console.error('usage: node --import tsx bench/follow-ours.ts FILE DB [WORK_US] [BATCH] [POLL_MS]');
  process.exit(2);
}
const workUs = Number(workArg ?? 5);
const batch = Number(batchArg ?? 1000);
const pollMs = Number(pollArg ?? 20);
const sink = new Sink(dbPath);
/** FOLLOW_TRACE=1: every start and commit on stderr, to see where a lost line went. */
const trace = process.env.FOLLOW_TRACE ? (what: string, data: unknown) => console.error(JSON.stringify({ t: Date.now(), pid: process.pid, what, data })) : undefined;
trace?.('start', sink.positions());

/** The store's matching rule (src/store/sqlite/positions.ts): the longest saved fingerprint that is a prefix. */
function find(head: Buffer): Known | undefined {
  let best: SavedPosition | undefined;
  for (const r of sink.positions()) {
    if (r.fpLen > head.length || (best && best.fpLen >= r.fpLen)) continue;
    if (fingerprintOf(head.subarray(0, r.fpLen)) === r.key) best = r;
  }
  return best ? { fingerprint: best.key, offset: best.offset, fpLen: best.fpLen, lines: best.lines ?? 0 } : undefined;
}

/** Positions read but not committed, by file fingerprint, and the live one, as FollowLoop keeps them. */
const reached = new Map<string, Position>();
let live: Position | undefined;

function commit(): void {
  if (sink.pendingLines === 0 && reached.size === 0 && !live) return;
  const at = [...reached.values()];
  const replaced = at.filter((p) => p.replaces !== undefined && p.replaces !== p.fingerprint).map((p) => p.replaces!);
  trace?.('commit', { lines: sink.pendingLines, at: at.map((p) => [p.path.slice(-10), p.fingerprint.slice(0, 8), p.fpLen, p.offset]), replaced });
  const checkpoint = live && { key: live.absent ? null : live.fingerprint, since: follower.since };
  sink.commit(at.map((p) => ({ key: p.fingerprint, ...p })), replaced, checkpoint);
  reached.clear();
  live = undefined;
}

const follower: Follower = new Follower(file, { find, checkpoint: sink.checkpoint() }, {
  lines(lines, at) {
    for (const line of lines) {
      work(workUs);
      sink.take(line);
    }
    if (!at.absent) reached.set(at.fingerprint, at);
    if (at.live) live = at;
    if (sink.pendingLines >= batch) commit();
  },
  note(level, msg, fields) {
    console.error(JSON.stringify({ level, msg, ...fields }));
  },
  gap(g) {
    console.error(JSON.stringify({ level: 'warn', msg: 'gap', ...g }));
  },
});

let running = true;
process.once('SIGTERM', () => (running = false));
console.log('up');
await follower.start();
commit();
while (running) {
  const progress = await follower.poll();
  commit();
  if (!progress) await new Promise((r) => setTimeout(r, pollMs));
}
commit();
await follower.close();
sink.close();
