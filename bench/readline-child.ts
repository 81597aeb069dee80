// Child of bench/import.ts: the floor, a bare readline loop over FILE that only counts lines;
// prints one JSON line like import-child.ts.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const file = process.argv[2];
if (!file) {
  console.error('usage: node --import tsx bench/readline-child.ts FILE');
  process.exit(2);
}
const start = performance.now();
let lines = 0;
for await (const _line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) lines++;
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ lines, seconds, maxRssKb: process.resourceUsage().maxRSS }));
