// `npm run generate`: writes a synthetic Postfix or Exim log of about N lines with its ground
// truth (FILE.truth.json totals, FILE.truth.jsonl one line per message), for benchmarks and
// for checking bouncewatch's reading. See bench/generate/ for the parts.
import { generate } from './generate/run.ts';
import { OptionError, parseOptions, USAGE } from './generate/options.ts';

try {
  const opts = parseOptions(process.argv.slice(2));
  const r = generate(opts);
  const rate = Math.round(r.lines / r.seconds);
  process.stderr.write(`${opts.out}: ${r.lines} lines in ${r.seconds.toFixed(2)} s (${rate} lines/s), at most ${r.peakInFlight} units in flight\n`);
} catch (e) {
  if (!(e instanceof OptionError)) throw e;
  process.stderr.write(`generate: ${e.message}\n${USAGE}\n`);
  process.exitCode = 2;
}
