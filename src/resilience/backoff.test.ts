import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fullJitterBackoff } from './backoff.js';

const options = { baseMs: 1000, capMs: 300_000 };

describe('fullJitterBackoff', () => {
  it('scales the random draw by base * 2^(attempt-1)', () => {
    expect(fullJitterBackoff(1, options, () => 0.5)).toBe(500);
    expect(fullJitterBackoff(2, options, () => 0.5)).toBe(1000);
    expect(fullJitterBackoff(4, options, () => 0.25)).toBe(2000);
  });

  it('caps the ceiling at capMs', () => {
    expect(fullJitterBackoff(10, options, () => 0.5)).toBe(150_000);
    expect(fullJitterBackoff(100, options, () => 0.999)).toBeCloseTo(299_700, 6);
  });

  it('returns 0 when the random draw is 0', () => {
    expect(fullJitterBackoff(7, options, () => 0)).toBe(0);
  });

  it('stays finite and within the cap for huge and odd attempt numbers', () => {
    for (const attempt of [1025, 10_000, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY, 0, -3, Number.NaN]) {
      const delay = fullJitterBackoff(attempt, options, () => 0.75);
      expect(Number.isFinite(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(options.capMs);
    }
    expect(fullJitterBackoff(10_000, { baseMs: 0, capMs: 5000 }, () => 0.5)).toBe(0);
  });

  it('is finite, >= 0 and <= cap for any attempt, base, cap and draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0, max: 1e12, noNaN: true }),
        fc.double({ min: 0, max: 1e12, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseMs, capMs, draw) => {
          const delay = fullJitterBackoff(attempt, { baseMs, capMs }, () => draw);
          expect(Number.isFinite(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(capMs);
          expect(delay).toBeLessThanOrEqual(baseMs * 2 ** Math.min(attempt - 1, 1023));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
