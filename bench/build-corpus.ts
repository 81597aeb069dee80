// Builds bench/data/postfix-1m.log (BENCH_LINES lines, default 1,000,000) by repeating real Postfix
// logs from ../shared/corpora. The corpora are licensed: the file is made here at run time, never
// committed (bench/data/ is git-ignored). Alone: node --import tsx bench/build-corpus.ts
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
export const DATA_DIR = join(ROOT, 'bench/data');
export const CORPORA = resolve(process.env.BENCH_CORPORA ?? join(ROOT, '../shared/corpora'));
/** The timeline starts on 1 Jan of this year; import with --year CORPUS_YEAR. */
export const CORPUS_YEAR = 2020;
/** Bump when the recipe changes, so an old file is rebuilt instead of reused. */
const RECIPE = 1;

/**
 * One server's log, its files read in order as one timeline. `scenarios`: each file is a
 * separate short capture (Lightmeter's test scenarios, several from a host named "mail"), so
 * each gets its own host suffix.
 */
interface Source {
  files: string[];
  scenarios?: boolean;
}

const SOURCES: Source[] = [
  { files: ['pixelpark-postfix-logsums/mail.log'] },
  { files: ['mail.log', 'mail2.log', 'mail3.log'].map((f) => `kdent-postfix_log_analysis/${f}`) },
  { files: ['mail.log.1', 'mail.log'].map((f) => `lightmeter-controlcenter/complete_logs_sample/${f}`) },
  { files: ['lightmeter-controlcenter/individual_files'], scenarios: true },
  { files: ['nole-maillog/mail.log'] },
  { files: ['modoboa-maillog/mail.log.rendered-Nov16.log'] },
  { files: ['infohtreasure-postfix-maillog-dump/mailog2'] },
  { files: ['infohtreasure-postfix-maillog-dump/maillog'] },
];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const CLASSIC = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.\d+)? (\S+) (.*)$/;
const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)? (\S+) (.*)$/;
const GAP_MS = 60_000;

/** A line as wall-clock time (ms, read as UTC so no DST), host and the rest after the host. */
interface Line {
  t: number;
  host: string;
  rest: string;
}
/** A stretch of log shifted as one piece; `tag` makes its hosts distinct from other units. */
interface Unit {
  lines: Line[];
  tag: string;
}

function readText(path: string): string {
  const buf = readFileSync(path);
  return (buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString('utf8');
}

/** Parses a timeline's lines; classic lines get a year that moves on at Dec -> Jan. Drops non-syslog lines. */
function parseLines(texts: string[], dropped: { n: number }): Line[] {
  const out: Line[] = [];
  let year = 2000;
  let lastMonth = -1;
  for (const text of texts) {
    for (const raw of text.split(/\r?\n/)) {
      if (raw === '') continue;
      let m = CLASSIC.exec(raw);
      if (m) {
        const month = MONTHS.indexOf(m[1]!);
        if (month < 0) { dropped.n++; continue; }
        if (lastMonth >= 0 && month < lastMonth - 6) year++;
        lastMonth = month;
        out.push({ t: Date.UTC(year, month, +m[2]!, +m[3]!, +m[4]!, +m[5]!), host: m[6]!, rest: m[7]! });
      } else if ((m = RFC3339.exec(raw))) {
        // RFC 3339 (pixelpark) becomes classic: its local wall-clock time, zone and fraction dropped.
        out.push({ t: Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!), host: m[7]!, rest: m[8]! });
      } else {
        dropped.n++; // e.g. the PHP/Roundcube lines interleaved in infohtreasure's maillog
      }
    }
  }
  return out;
}

function loadUnits(dropped: { n: number }): Unit[] {
  const units: Unit[] = [];
  SOURCES.forEach((src, s) => {
    const paths = src.files.map((f) => join(CORPORA, f));
    if (src.scenarios) {
      const dir = paths[0]!;
      readdirSync(dir).sort().forEach((f, i) => {
        units.push({ lines: parseLines([readText(join(dir, f))], dropped), tag: `s${s}f${i}` });
      });
    } else {
      units.push({ lines: parseLines(paths.map(readText), dropped), tag: `s${s}` });
    }
  });
  return units.filter((u) => u.lines.length > 0);
}

let lastT = NaN;
let lastStamp = '';
function stamp(t: number): string {
  if (t === lastT) return lastStamp; // many lines share a second
  lastT = t;
  const d = new Date(t);
  const two = (n: number) => String(n).padStart(2, '0');
  const day = String(d.getUTCDate()).padStart(2, ' ');
  lastStamp = `${MONTHS[d.getUTCMonth()]} ${day} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return lastStamp;
}

/**
 * Writes `target` lines: the units again and again, each shifted to start one minute after the
 * previous one ended, so log time only moves forward (the correlator evicts by log time).
 * Repeating the files reuses their queue ids, so every host gets a suffix per repetition and
 * unit (`mail` -> `mail-r3s2`): (host, queue id) stays unique and correlation stays realistic.
 */
function writeCorpus(units: Unit[], target: number, path: string): number {
  const fd = openSync(path, 'w');
  let cursor = Date.UTC(CORPUS_YEAR, 0, 1);
  let written = 0;
  let bytes = 0;
  try {
    for (let rep = 0; written < target; rep++) {
      for (const unit of units) {
        if (written >= target) break;
        const base = unit.lines[0]!.t;
        let last = base;
        const chunk: string[] = [];
        for (const l of unit.lines) {
          if (written + chunk.length >= target) break;
          chunk.push(`${stamp(l.t - base + cursor)} ${l.host}-r${rep}${unit.tag} ${l.rest}\n`);
          if (l.t > last) last = l.t;
        }
        const text = chunk.join('');
        bytes += writeSync(fd, text);
        written += chunk.length;
        cursor += last - base + GAP_MS;
      }
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}

export interface Corpus {
  path: string;
  lines: number;
  bytes: number;
  built: boolean;
}

/** Returns the corpus file, built unless an existing one matches; undefined when corpora are absent. */
export function buildCorpus(target = Number(process.env.BENCH_LINES ?? 1_000_000)): Corpus | undefined {
  if (!Number.isInteger(target) || target <= 0) throw new Error(`BENCH_LINES must be a positive integer, got ${process.env.BENCH_LINES}`);
  const name = target === 1_000_000 ? 'postfix-1m.log' : `postfix-${target}.log`;
  const path = join(DATA_DIR, name);
  const metaPath = `${path}.json`;
  if (existsSync(path) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { recipe: number; lines: number; bytes: number };
    if (meta.recipe === RECIPE && meta.lines === target && statSync(path).size === meta.bytes) {
      return { path, lines: target, bytes: meta.bytes, built: false };
    }
  }
  if (!existsSync(join(CORPORA, SOURCES[0]!.files[0]!))) {
    console.log(`corpora not found at ${CORPORA} (set BENCH_CORPORA): skipping the corpus build`);
    return undefined;
  }
  mkdirSync(DATA_DIR, { recursive: true });
  const dropped = { n: 0 };
  const units = loadUnits(dropped);
  const bytes = writeCorpus(units, target, `${path}.tmp`);
  renameSync(`${path}.tmp`, path);
  writeFileSync(metaPath, JSON.stringify({ recipe: RECIPE, lines: target, bytes }) + '\n');
  const perRep = units.reduce((n, u) => n + u.lines.length, 0);
  console.log(`built ${path}: ${target} lines, ${(bytes / 2 ** 20).toFixed(0)} MiB, ` +
    `${units.length} units of ${perRep} real lines repeated (${dropped.n} non-syslog lines left out)`);
  return { path, lines: target, bytes, built: true };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const c = buildCorpus();
  if (c && !c.built) console.log(`${c.path} is up to date (${c.lines} lines)`);
}
