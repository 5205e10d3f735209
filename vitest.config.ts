import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/reliability/**', 'node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests share one RabbitMQ and one PostgreSQL; each test uses unique names, so
    // files may run in parallel, but two cores do not profit from more than two workers.
    maxWorkers: 2,
  },
});
