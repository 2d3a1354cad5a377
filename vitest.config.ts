import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    // Every HTTP answer must be fully described by its reply schema (src/http/server.ts).
    env: { SWB_CHECK_REPLIES: '1' },
  },
});
