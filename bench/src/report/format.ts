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

/** Splits `1.23 s` into the number and its unit (empty when there is none). */
function unitOf(text: string): string {
  return /\s(\D+)$/.exec(text)?.[1] ?? '';
}

/**
 * `median (min–max)`, with `≥` before the median when it is only a lower bound; the range is
 * left out when there was a single run, and its unit when all three share the median's.
 */
export function formatSpread(spread: Spread, format: (value: number) => string): string {
  const medianText = format(spread.median.value);
  const median = `${spread.median.lowerBound ? '≥' : ''}${medianText}`;
  if (spread.n < 2) return median;
  let min = format(spread.min);
  let max = format(spread.max);
  const unit = unitOf(medianText);
  if (unit !== '' && unitOf(min) === unit && unitOf(max) === unit) {
    min = min.slice(0, -unit.length - 1);
    max = max.slice(0, -unit.length - 1);
  }
  return `${median} (${min}–${max})`;
}
