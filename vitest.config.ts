import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{domain,app,main,renderer,sync-server,tools}/**/*.test.ts'],
    pool: 'forks',
    coverage: {
      provider: 'v8',
      reporter: ['text-summary', 'text'],
      include: ['domain/**/*.ts'],
      exclude: ['domain/**/*.test.ts', 'domain/**/test-support/**', 'domain/**/index.ts'],
      // The bar: domain/ line coverage at least 90 %.
      thresholds: { 'domain/**/*.ts': { lines: 90 } },
    },
  },
});
