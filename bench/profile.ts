// `npm run bench:profile`: runs the shipped `bouncewatch import` under node --cpu-prof on the
// corpora log and on a generated 1M-line Postfix log, and prints where its time goes (self and
// inclusive share per function), the evidence behind the README's performance section.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCorpus, CORPUS_YEAR, DATA_DIR } from './build-corpus.ts';

const ROOT = join(DATA_DIR, '../..');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self and inclusive time per function (name, file, line), as shares of the whole profile. */
export function summarize(p: Profile, top: number): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n: ProfileNode) =>
    `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    const node = byId.get(id)!;
    self.set(name(node), (self.get(name(node)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = name(byId.get(cur)!);
      if (!seen.has(k)) incl.set(k, (incl.get(k) ?? 0) + dt);
      seen.add(k);
    }
  });
  const list = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([k, t]) => `  ${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`).join('\n');
  return `self:\n${list(self)}\ninclusive:\n${list(incl)}`;
}

function profile(name: string, file: string, year: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'bw-prof-'));
  const db = join(dir, 'import.db');
  const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, join(ROOT, 'dist/cli.mjs'), 'import', '--db', db,
    '--year', String(year), file], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`import failed: ${r.stderr}`);
  const prof = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!prof) throw new Error('no .cpuprofile written');
  console.log(`\n${name}: ${file}\n${r.stdout.trim()}\n${summarize(JSON.parse(readFileSync(join(dir, prof), 'utf8')) as Profile, 25)}`);
  rmSync(dir, { recursive: true, force: true });
}

const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
const corpus = buildCorpus();
if (corpus) profile('Postfix corpora log', corpus.path, CORPUS_YEAR);
const gen = join(DATA_DIR, 'postfix-gen-1000000.log');
if (!existsSync(gen)) {
  const g = spawnSync(process.execPath, ['--import', 'tsx', 'bench/generate.ts', '--mta', 'postfix', '--lines', '1000000', '--seed', '1',
    '--out', gen], { cwd: ROOT, encoding: 'utf8' });
  if (g.status !== 0) throw new Error(`bench/generate.ts failed: ${g.stderr}`);
}
profile('generated Postfix log', gen, 2026);
