import { defineConfig } from 'vitest/config';

// The standing abuse suite (npm run test:abuse): hostile clients against the real sync server
// process and a real desk core. Own config and file suffix (*.abuse.ts) so the unit run never
// picks these files up too. One file at a time: each runs server processes on a 2-core machine.
export default defineConfig({
  test: {
    include: ['abuse/**/*.abuse.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
