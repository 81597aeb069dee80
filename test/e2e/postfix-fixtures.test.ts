// Replays the committed Postfix end-to-end fixtures (test/fixtures/postfix-e2e/, produced by
// the real-Postfix harness) through bouncewatch and checks them against their truth.json.
// Runs anywhere: no root, no Postfix.
import { postfixAdapter } from './postfix/run.ts';
import { fixtureSuite, fixturesDir } from './lib/suite.ts';

fixtureSuite('postfix fixtures', fixturesDir('postfix-e2e'), postfixAdapter, 'test/e2e/postfix.e2e.test.ts');
