// Which `bouncewatch` the process tests run. bin/bouncewatch.js runs the dist/ bundle when it is
// newer than every source (after `npm ci`, as in CI); in a checkout being edited it falls back to
// tsx, a second per process. The fault matrix starts hundreds, so there it builds the same bundle
// of the current sources (package.json's esbuild command) into node_modules/.cache and runs that.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BIN } from './serve-process.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** bin/bouncewatch.js when it runs a fresh bundle, else a fresh private bundle (`dispose` removes it). */
export async function cliEntry(): Promise<{ entry: string; what: string; dispose(): void }> {
  const dist = join(ROOT, 'dist', 'cli.mjs');
  const sources = newest(join(ROOT, 'src'));
  if (existsSync(dist) && statSync(dist).mtimeMs >= sources) return { entry: BIN, what: 'bin/bouncewatch.js (dist bundle)', dispose: () => undefined };
  // Under node_modules, so the bundle finds the package root (src/paths.ts) and its dependencies.
  const dir = join(ROOT, 'node_modules', '.cache', 'bouncewatch-test');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `cli-${process.pid}.mjs`);
  await build({
    entryPoints: [join(ROOT, 'src', 'cli.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20',
    packages: 'external', outfile: out, logLevel: 'warning',
  });
  return { entry: out, what: 'a bundle of the current sources (dist/ is older than src/)', dispose: () => rmSync(out, { force: true }) };
}
