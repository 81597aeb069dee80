// Lines for bench/follow.ts: the committed e2e Postfix log replayed, each repetition with its own
// host (mx1 -> mx1-r7), its own queue ids, and log time moved on by the fixture's span.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('../test/fixtures/postfix-e2e/mail.log', import.meta.url));
/** Postfix short queue ids (hex), as src/parse/postfix/common.ts recognises them. */
const QID = /\b[0-9A-F]{10,12}\b/g;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

interface Template {
  /** Seconds after the fixture's first line. */
  offset: number;
  host: string;
  /** The text after the host, split around queue ids: text, id index, text, id index, ... */
  parts: (string | number)[];
}

function parseStamp(stamp: string, year: number): number {
  const [mon, day, hms] = stamp.split(/\s+/);
  const [h, m, s] = (hms ?? '').split(':').map(Number);
  return new Date(year, MONTHS.indexOf(mon ?? ''), Number(day), h, m, s).getTime();
}

function syslogStamp(t: number): string {
  const d = new Date(t);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export class Feed {
  readonly linesPerRepetition: number;
  /** Log time one repetition takes: the fixture's span plus a second. */
  readonly spanMs: number;
  private readonly templates: Template[];
  private readonly ids: string[];

  constructor() {
    const lines = readFileSync(SOURCE, 'utf8').split('\n').filter(Boolean);
    const ids = new Map<string, number>();
    const first = parseStamp(lines[0]!.slice(0, 15), 2000);
    this.templates = lines.map((line) => {
      const host = line.slice(16, line.indexOf(' ', 16));
      const rest = line.slice(16 + host.length);
      const parts: (string | number)[] = [];
      let at = 0;
      for (const m of rest.matchAll(QID)) {
        if (!ids.has(m[0])) ids.set(m[0], ids.size);
        parts.push(rest.slice(at, m.index), ids.get(m[0])!);
        at = m.index + m[0].length;
      }
      parts.push(rest.slice(at));
      return { offset: (parseStamp(line.slice(0, 15), 2000) - first) / 1000, host, parts };
    });
    this.ids = [...ids.keys()];
    this.linesPerRepetition = lines.length;
    this.spanMs = (this.templates.at(-1)!.offset + 1) * 1000;
  }

  /** Line `k` (0-based) of the endless replay whose log time starts at `startMs`. */
  line(k: number, startMs: number): string {
    const rep = Math.floor(k / this.linesPerRepetition);
    const t = this.templates[k % this.linesPerRepetition]!;
    let text = '';
    for (const p of t.parts) text += typeof p === 'number' ? this.idFor(rep, p) : p;
    return `${syslogStamp(startMs + rep * this.spanMs + t.offset * 1000)} ${t.host}-r${rep}${text}`;
  }

  /** A new id per repetition and original id: 'B' and ten hex digits, never two alike. */
  private idFor(rep: number, index: number): string {
    return 'B' + (rep * this.ids.length + index).toString(16).toUpperCase().padStart(10, '0');
  }
}
