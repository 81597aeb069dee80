// Imports a few log lines into a fresh database and reads `messages --json`: for the tests that
// check how a small real-log scenario (hops through filters) is correlated.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runBouncewatch, type CliMessage } from '../e2e/check-truth.ts';

export async function readLines(lines: string[]): Promise<CliMessage[]> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'bw-read-lines-'));
  try {
    await writeFile(path.join(tmp, 'mail.log'), `${lines.join('\n')}\n`);
    return (await runBouncewatch(path.join(tmp, 'mail.log'), 2026, path.join(tmp, 'bw.db'))).messages;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
