// Runs the real `bouncewatch` command in a child process, as a user or a script would.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/bouncewatch.js', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], input?: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input, maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function cliOk(args: string[], input?: string): string {
  const r = cli(args, input);
  if (r.status !== 0) throw new Error(`bouncewatch ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

export function messagesJson(db: string): Record<string, unknown>[] {
  return cliOk(['messages', '--db', db, '--json'])
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
