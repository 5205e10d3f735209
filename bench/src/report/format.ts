import type { Spread } from '../measure/stats.js';

/** Messages per second, as a whole number with thousands separators. */
export function formatRate(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Milliseconds, switching to seconds from 1 s up. */
export function formatMs(value: number): string {
  if (Math.abs(value) < 1000) return `${Math.round(value)} ms`;
  return `${(value / 1000).toFixed(Math.abs(value) < 10_000 ? 2 : 1)} s`;
}

/** CPU seconds per 1,000 messages, to three significant places. */
export function formatCpu(value: number): string {
  if (value === 0) return '0';
  return value >= 1 ? value.toFixed(2) : value.toPrecision(3);
}

/** A ratio such as `0.42×` or `12×`. */
export function formatRatio(value: number): string {
  return `${value >= 10 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toPrecision(2)}×`;
}

/**
 * `median (min–max)`, with `≥` before the median when it is only a lower bound; the range is
 * left out when there was a single run.
 */
export function formatSpread(spread: Spread, format: (value: number) => string): string {
  const median = `${spread.median.lowerBound ? '≥' : ''}${format(spread.median.value)}`;
  if (spread.n < 2) return median;
  return `${median} (${format(spread.min)}–${format(spread.max)})`;
}
