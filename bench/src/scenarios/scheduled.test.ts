import { describe, expect, it } from 'vitest';
import { latenesses, leadMs } from './scheduled.js';

describe('leadMs', () => {
  it('is the minimum when enqueueing is quick', () => {
    expect(leadMs(2000, 100_000, 2000)).toBe(2000);
    expect(leadMs(2000, Infinity, 2000)).toBe(2000);
  });

  it('leaves room for a slow enqueue', () => {
    // 2,000 at 500/s takes 4 s: 4 s × 1.25 + 1.5 s.
    expect(leadMs(2000, 500, 2000)).toBe(6500);
    expect(leadMs(100, 100_000, 100)).toBe(100);
  });

  it('never exceeds a minute', () => {
    expect(leadMs(2000, 1, 2000)).toBe(60_000);
    expect(leadMs(2000, 0, 2000)).toBe(60_000);
  });
});

describe('latenesses', () => {
  it('is handling minus due time, and a lower bound for unhandled messages', () => {
    const handledAt = Float64Array.from([1010, Number.NaN, 995]);
    expect(latenesses(handledAt, (index) => 1000 + index, 5000)).toEqual([
      { value: 10, lowerBound: false },
      { value: 3999, lowerBound: true },
      { value: -7, lowerBound: false },
    ]);
  });
});
