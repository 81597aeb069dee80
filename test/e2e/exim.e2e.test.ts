// End to end against a real Exim 4.96 (Debian's exim4-daemon-light, unpacked beside Postfix by
// test/e2e/setup-debian.sh): runs the harness (real SMTP sessions, real queue, frozen NDRs, the
// mainlog and an rsyslog copy), then checks bouncewatch's reading of both against truth.json.
// Needs root and setup-debian.sh (skips without them, except under CI=true where it fails);
// BW_UPDATE_FIXTURES=1 refreshes test/fixtures/exim-e2e/ and exim-e2e-default-selector/.
// Two runs: the busy-server log_selector with every scenario, then Exim's default log_selector
// (no recipients on arrival) with the scenarios it changes the reading of, and a few plain ones.
// Runs beside the Postfix e2e test (vitest runs files in parallel): the addresses differ, and
// /dev/log, the one shared thing, is taken in turns through lib/e2e-lock.ts (startRsyslog).
import { eximAdapter } from './exim/run.ts';
import { DEFAULT_SELECTOR_SCENARIOS } from './exim/scenarios.ts';
import { fixturesDir, harnessSuite } from './lib/suite.ts';

harnessSuite([
  { title: 'exim end to end', fixtures: fixturesDir('exim-e2e'), adapter: eximAdapter() },
  {
    title: 'exim end to end, default log_selector',
    fixtures: fixturesDir('exim-e2e-default-selector'),
    adapter: eximAdapter({ logSelector: null, only: DEFAULT_SELECTOR_SCENARIOS }),
  },
]);
