// Child of bench/follow-compare.ts: appends lines 1..N to FILE in seeded chunks (one in eight
// ending mid-line), rotating it as follow-schedule.ts says. Prints one JSON line.
// usage: follow-writer.ts FILE N SEED [RATE lines/s, 0 = full speed]
import { closeSync, copyFileSync, existsSync, openSync, renameSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { lineOf } from './follow-sink.ts';
import { rotations, type Rotation } from './follow-schedule.ts';
import { between, rng } from './rng.ts';

const [file, nArg, seedArg, rateArg] = process.argv.slice(2);
if (!file || !nArg || !seedArg) {
  console.error('usage: node --import tsx bench/follow-writer.ts FILE N SEED [RATE]');
  process.exit(2);
}
const log = file;
const n = Number(nArg);
const seed = Number(seedArg);
const rate = Number(rateArg ?? 0);
const rand = rng(seed);
const plan = rotations(n, seed);
const done: { kind: Rotation; after: number }[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alphabet = 'abcdefghijklmnopqrstuvwxyz'.repeat(6);
const fillers = Array.from({ length: 64 }, (_, i) => alphabet.slice(i % 26, (i % 26) + 30 + i));

let fd = openSync(log, 'a');
/** After a rename, syslog goes on writing to the renamed file until its HUP: these many lines. */
let beforeHup = 0;

function rotate(kind: Rotation, after: number): void {
  // Older generations move up, as logrotate does; none is deleted, so every line stays on disk.
  for (let g = 8; g >= 1; g--) if (existsSync(`${log}.${g}`)) renameSync(`${log}.${g}`, `${log}.${g + 1}`);
  if (kind === 'rename') {
    renameSync(log, `${log}.1`);
    writeFileSync(log, ''); // logrotate's "create"
    beforeHup = between(rand, 1, 50);
  } else {
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0); // the writer's fd is O_APPEND: it goes on at the new end
  }
  done.push({ kind, after });
}

const start = performance.now();
const startedAt = Date.now();
let next = 1;
let carry = '';
while (next <= n) {
  const count = Math.min(between(rand, 1, 64), n - next + 1);
  let text = carry;
  for (let i = 0; i < count; i++) text += lineOf(next + i, fillers[(next + i) % 64]!) + '\n';
  next += count;
  const cut = next <= n && rand() < 0.125 ? between(rand, 1, 20) : 0;
  carry = text.slice(text.length - cut);
  writeSync(fd, text.slice(0, text.length - cut));
  if (carry !== '') continue; // rotate and reopen only between whole lines
  if (beforeHup > 0 && (beforeHup -= count) <= 0) {
    closeSync(fd);
    fd = openSync(log, 'a'); // the HUP: from now on the new file
  }
  if (beforeHup <= 0 && plan[0] && next - 1 >= plan[0].after) rotate(plan.shift()!.kind, next - 1);
  if (rate > 0) {
    const ahead = ((next - 1) / rate) * 1000 - (performance.now() - start);
    if (ahead > 2) await sleep(ahead);
  }
}
closeSync(fd);
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ written: n, startedAt, seconds, rotations: done }));
