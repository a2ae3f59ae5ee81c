import { defineConfig } from 'vitest/config';

// End-to-end: real sync server, real browser host + core, Debian's Chromium.
// One file at a time: each scenario runs several processes on a 2-core machine.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
