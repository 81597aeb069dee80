// Replays the committed Exim end-to-end fixtures (test/fixtures/exim-e2e/ and
// exim-e2e-default-selector/, produced by the real-Exim harness) through bouncewatch and
// checks them against their truth.json.
// Runs anywhere: no root, no Exim.
import { eximAdapter } from './exim/run.ts';
import { fixtureSuite, fixturesDir } from './lib/suite.ts';

// The busy-server log_selector run and the run with Exim's default log_selector.
for (const name of ['exim-e2e', 'exim-e2e-default-selector']) {
  fixtureSuite(`exim fixtures (${name})`, fixturesDir(name), eximAdapter(), 'test/e2e/exim.e2e.test.ts');
}
