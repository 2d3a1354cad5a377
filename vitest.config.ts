import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    // Every HTTP answer must be fully described by its reply schema (src/http/server.ts).
    // S8.3: servers started as processes by the tests shed nothing for a late event loop
    // (test/support/server.ts NO_SHEDDING says why).
    env: {
      SWB_CHECK_REPLIES: '1',
      SWITCHBOARD_OVERLOAD_LOOP_DELAY_MS: '60000',
      SWITCHBOARD_OVERLOAD_SIP_LOOP_DELAY_MS: '60000',
    },
  },
});
