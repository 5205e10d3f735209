import { defineConfig } from 'vitest/config';

/**
 * The fault-injection suite (`npm run test:reliability`). Scenarios stop RabbitMQ and restart
 * PostgreSQL, so they run one at a time and never beside the other tests.
 */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    maxWorkers: 1,
    globalSetup: ['test/reliability/report-setup.ts'],
  },
});
