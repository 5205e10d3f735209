import { describe, expect, it } from 'vitest';
import { median, percentile, sortBounded, spreadOf, summarizeLateness } from './stats.js';
import type { Bounded } from './stats.js';

const exact = (value: number): Bounded => ({ value, lowerBound: false });
const atLeast = (value: number): Bounded => ({ value, lowerBound: true });

describe('percentile', () => {
  const sorted = sortBounded([10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map(exact));

  it('uses the nearest rank', () => {
    expect(percentile(sorted, 50).value).toBe(50);
    expect(percentile(sorted, 99).value).toBe(100);
    expect(percentile(sorted, 0).value).toBe(10);
    expect(percentile(sorted, 100).value).toBe(100);
  });

  it('is a lower bound when it lands on a censored value', () => {
    const values = sortBounded([...Array.from({ length: 98 }, (_, i) => exact(i)), atLeast(500), atLeast(500)]);
    expect(percentile(values, 50)).toEqual(exact(49));
    expect(percentile(values, 99)).toEqual(atLeast(500));
  });

  it('rejects empty input and out-of-range p', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile(sorted, 101)).toThrow(RangeError);
  });
});

describe('median', () => {
  it('takes the middle of an odd count and the mean of an even one', () => {
    expect(median([3, 1, 2].map(exact))).toEqual(exact(2));
    expect(median([4, 1, 3, 2].map(exact))).toEqual(exact(2.5));
  });

  it('is a bound when a middle value is', () => {
    expect(median([exact(1), atLeast(5), exact(9)])).toEqual(atLeast(5));
    expect(median([exact(1), exact(2), atLeast(3), exact(4)]).lowerBound).toBe(true);
  });
});

describe('spreadOf', () => {
  it('gives median, min, max and count', () => {
    expect(spreadOf([5, 1, 3].map(exact))).toEqual({ median: exact(3), min: 1, max: 5, n: 3 });
    expect(spreadOf([])).toBeNull();
  });
});

describe('summarizeLateness', () => {
  it('reports p50, p99, max, min and the censored count', () => {
    const values = [...Array.from({ length: 99 }, (_, i) => exact(i - 5)), atLeast(3000)];
    const summary = summarizeLateness(values);
    expect(summary.p50).toEqual(exact(44));
    expect(summary.p99).toEqual(exact(93));
    expect(summary.max).toEqual(atLeast(3000));
    expect(summary.min).toBe(-5);
    expect(summary.censored).toBe(1);
  });
});
