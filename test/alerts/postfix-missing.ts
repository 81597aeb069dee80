// Whether the burst Postfix (burst-postfix.ts) can run here: null, or what is missing. Missing
// parts skip a test with a notice, except under CI=true, where they fail it.
import { prerequisites, SETUP_HINT } from '../e2e/lib/prerequisites.ts';

const NEEDS = { binaries: ['/usr/sbin/postfix', '/usr/sbin/postalias', '/usr/sbin/postqueue'], users: ['postfix', 'nobody'] };

export function postfixMissing(what = 'alert tests'): string | null {
  const missing = prerequisites(NEEDS);
  if (missing.length === 0) return null;
  const why = `needs ${missing.join(', ')} (${SETUP_HINT})`;
  if (process.env.CI === 'true') throw new Error(`${what}: ${why}; CI must run this test`);
  console.warn(`SKIPPED: ${what}: ${why}`);
  return why;
}
