// Test runner settings: real processes and real MTAs make some tests slow, so timeouts are generous.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // No test may query a real DNS blocklist: serve's checks are off unless a test turns them on
    // (--dnsbl-interval-minutes) and points them at its own DNS server (test/lib/dns.ts).
    env: { BOUNCEWATCH_DNSBL_INTERVAL_MINUTES: '0' },
  },
});
