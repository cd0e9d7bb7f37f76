import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // 2-core machine: child-process tests (kill -9, fleets) need head-room.
    poolOptions: { forks: { maxForks: 2 } },
    reporters: ['default'],
  },
});
