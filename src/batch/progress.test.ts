import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOf, etaSeconds, rateWindowStart, recentRate } from './progress.js';

const T0 = 1_700_000_000_000; // a multiple of the 2 s bucket

describe('bucketOf', () => {
  it('floors a time to the start of its bucket', () => {
    expect(bucketOf(T0)).toBe(T0);
    expect(bucketOf(T0 + 1_999)).toBe(T0);
    expect(bucketOf(T0 + 2_000)).toBe(T0 + 2_000);
  });
});

describe('recentRate', () => {
  it('divides what finished in the last 30 s by 30 s', () => {
    const buckets = Array.from({ length: 15 }, (_, i) => ({ start: T0 + i * 2_000, done: 20 }));
    expect(recentRate(buckets, T0 + 30_000, null)).toBe(10);
  });

  it('does not reach before the run (re)started, counting the bucket it started in whole', () => {
    // Resumed 1 s into the bucket at T0: its 10 were done since, over the 5 s since.
    const buckets = [
      { start: T0 - 2_000, done: 100 },
      { start: T0, done: 10 },
      { start: T0 + 2_000, done: 20 },
      { start: T0 + 4_000, done: 20 },
    ];
    expect(recentRate(buckets, T0 + 6_000, T0 + 1_000)).toBe((10 + 20 + 20) / 5);
  });

  it('counts a bucket straddling the start of the 30 s window in proportion', () => {
    // The window starts 1 s into the bucket at T0: half of its 30 count.
    const buckets = [
      { start: T0, done: 30 },
      { start: T0 + 30_000, done: 0 },
    ];
    expect(recentRate(buckets, T0 + 31_000, null)).toBe(15 / 30);
  });

  it('ignores buckets wholly before the window and after now', () => {
    const buckets = [
      { start: T0, done: 1_000 },
      { start: T0 + 40_000, done: 30 },
      { start: T0 + 80_000, done: 500 },
    ];
    expect(recentRate(buckets, T0 + 60_000, null)).toBe(1);
  });

  it('computes over at least one second, so a run just begun shows no spike', () => {
    expect(recentRate([{ start: T0, done: 50 }], T0 + 100, T0)).toBe(50);
  });

  it('is 0 with nothing done, and never negative or infinite', () => {
    expect(recentRate([], T0, null)).toBe(0);
    fc.assert(
      fc.property(
        fc.array(fc.record({ start: fc.integer({ min: -50, max: 50 }), done: fc.nat(10_000) })),
        fc.integer({ min: 0, max: 100_000 }),
        fc.option(fc.integer({ min: -100_000, max: 100_000 })),
        (raw, elapsed, since) => {
          const buckets = raw.map((b) => ({ start: T0 + b.start * 2_000, done: b.done }));
          const rate = recentRate(buckets, T0 + elapsed, since === null ? null : T0 + since);
          return Number.isFinite(rate) && rate >= 0;
        },
      ),
    );
  });
});

describe('rateWindowStart', () => {
  it('is 30 s back, or the start of the run when later', () => {
    expect(rateWindowStart(T0, null)).toBe(T0 - 30_000);
    expect(rateWindowStart(T0, T0 - 5_000)).toBe(T0 - 5_000);
  });
});

describe('etaSeconds', () => {
  it('divides what remains by the rate, rounding up', () => {
    expect(etaSeconds(100, 30)).toBe(4);
    expect(etaSeconds(0, 0)).toBe(0);
    expect(etaSeconds(10, 0)).toBeNull();
  });
});
