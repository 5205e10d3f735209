/**
 * Order statistics that keep track of censored values. A message still unhandled when the bench
 * stopped waiting is at least as late as the wait: its lateness is a lower bound, and any
 * percentile that lands on such a value is reported as "≥".
 */

/** A value, and whether it is only a lower bound of the true value. */
export interface Bounded {
  readonly value: number;
  readonly lowerBound: boolean;
}

/** Sorts ascending; at equal values exact ones come first, so bounds win only where they must. */
export function sortBounded(values: readonly Bounded[]): Bounded[] {
  return [...values].sort((a, b) => a.value - b.value || Number(a.lowerBound) - Number(b.lowerBound));
}

/**
 * Nearest-rank percentile of values sorted by `sortBounded`: the smallest value with at least
 * p% of all values at or below it. A lower-bound value at that rank makes the result a lower bound.
 */
export function percentile(sorted: readonly Bounded[], p: number): Bounded {
  if (sorted.length === 0) throw new RangeError('percentile of no values');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} outside 0..100`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as Bounded;
}

/** The median: the middle value, or the mean of the two middle ones (a bound if either is). */
export function median(values: readonly Bounded[]): Bounded {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = sortBounded(values);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] as Bounded;
  if (sorted.length % 2 === 1) return upper;
  const lower = sorted[middle - 1] as Bounded;
  return { value: (lower.value + upper.value) / 2, lowerBound: lower.lowerBound || upper.lowerBound };
}

/** Median with the spread of the values it summarizes. */
export interface Spread {
  readonly median: Bounded;
  readonly min: number;
  readonly max: number;
  /** How many values it summarizes. */
  readonly n: number;
}

/** Median, min and max; null when there are no values. */
export function spreadOf(values: readonly Bounded[]): Spread | null {
  if (values.length === 0) return null;
  const numbers = values.map((value) => value.value);
  return { median: median(values), min: Math.min(...numbers), max: Math.max(...numbers), n: values.length };
}

/** Lateness percentiles of one scheduled run, in milliseconds. */
export interface LatenessSummary {
  readonly p50: Bounded;
  readonly p99: Bounded;
  readonly max: Bounded;
  /** The earliest handling relative to the due time (negative: handled early). */
  readonly min: number;
  /** Messages not handled before the bench stopped waiting. */
  readonly censored: number;
}

/** Summarizes per-message lateness values. */
export function summarizeLateness(values: readonly Bounded[]): LatenessSummary {
  const sorted = sortBounded(values);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] as Bounded,
    min: (sorted[0] as Bounded).value,
    censored: values.filter((value) => value.lowerBound).length,
  };
}
