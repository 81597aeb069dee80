// End to end against a real Postfix: runs the harness (real SMTP sessions, real queue, real
// rsyslog files), then checks bouncewatch's reading of both log formats against truth.json.
// Needs root and the packages of test/e2e/setup-debian.sh (skips without them, except under
// CI=true where it fails); BW_UPDATE_FIXTURES=1 refreshes test/fixtures/postfix-e2e/.
import { postfixAdapter } from './postfix/run.ts';
import { fixturesDir, harnessSuite } from './lib/suite.ts';

harnessSuite([{ title: 'postfix end to end', fixtures: fixturesDir('postfix-e2e'), adapter: postfixAdapter }]);
