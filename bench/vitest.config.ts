import { defineConfig } from 'vitest/config';

// The bench's own unit tests (pure logic: statistics, parsing, planning, reports). They need no
// service; the systems themselves are exercised by running the bench.
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['src/**/*.test.ts'],
    testTimeout: 10_000,
  },
});
