// `npm run bench`: every performance target of the project in one run — import speed against
// pflogsumm and eximstats, import memory at 10M lines, API query times on a 10M-line database,
// follow latency and memory, and alert latency — each bench's own output first, then one summary table.
import { spawn } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULT_PREFIX, type Result } from './result.ts';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const BENCHES = ['bench/import.ts', 'bench/queries.ts', 'bench/postgres.ts', 'bench/follow.ts', 'bench/open-messages.ts', 'bench/alerts.ts'];
/** Defaults for a full run; a variable already set wins. Follow: memory over 1M messages too. */
const ENV: Record<string, string> = { FOLLOW_MESSAGES: '1000000', FOLLOW_MESSAGES_RATE: '40000' };

function runBench(script: string, results: Result[]): Promise<number | null> {
  return new Promise((done, fail) => {
    console.log(`\n===== ${script} =====`);
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...ENV, ...process.env },
    });
    let carry = '';
    child.stdout.on('data', (d: Buffer) => {
      const lines = (carry + d.toString()).split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith(RESULT_PREFIX)) results.push(JSON.parse(line.slice(RESULT_PREFIX.length)) as Result);
        else console.log(line);
      }
    });
    child.on('error', fail);
    child.on('close', (code) => done(code));
  });
}

const results: Result[] = [];
let broken = 0;
const only = process.argv.slice(2);
for (const b of BENCHES.filter((s) => only.length === 0 || only.some((o) => s.includes(o)))) {
  const code = await runBench(b, results);
  if (code !== 0) {
    console.log(`${b} broke (exit ${code})`);
    broken++;
  }
}
const c = cpus();
console.log(`\n===== summary =====\nmachine: ${c[0]?.model ?? 'unknown cpu'}, ${c.length} cores, ` +
  `${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}; load average now ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const rows = [['target', 'figure', 'goal', 'met'], ...results.map((r) => [r.target, r.figure, r.goal, r.met ? 'yes' : 'NO'])];
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
process.exitCode = broken > 0 ? 1 : 0;
