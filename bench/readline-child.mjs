// Child of bench/import.ts: the floor, a bare readline loop over FILE that only counts lines.
// Plain JavaScript so that no TypeScript loader is part of the floor's time.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/readline-child.mjs FILE');
  process.exit(2);
}
let lines = 0;
for await (const _line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) lines++;
console.log(JSON.stringify({ lines }));
