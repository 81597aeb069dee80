// Where the project's own files are (migrations, web pages, shipped logs), found from this
// module's location whether it runs from src/ through tsx or from the dist/ bundle.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'bouncewatch') return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the bouncewatch package root (package.json)');
}

export const ROOT = findRoot();
export const MIGRATIONS_DIR = join(ROOT, 'migrations');
export const WEB_DIR = join(ROOT, 'web');
/** Logs a real Postfix and Exim wrote, for `serve`'s demo (demo/README.md). */
export const DEMO_DIR = join(ROOT, 'demo');
