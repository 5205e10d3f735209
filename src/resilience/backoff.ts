import type { Random } from '../core/clock.js';

/** Parameters of {@link fullJitterBackoff}. */
export interface BackoffOptions {
  /** Ceiling of the delay after the first failed attempt, in milliseconds. */
  baseMs: number;
  /** Largest delay ever returned, in milliseconds. */
  capMs: number;
}

/**
 * 2^1023 is the largest finite power of two a double holds; beyond it `2 ** n` is Infinity and
 * `0 * Infinity` is NaN. Any exponent this large already exceeds every sensible cap.
 */
const MAX_EXPONENT = 1023;

/**
 * "Full jitter" exponential backoff (AWS architecture blog; cockatiel's `ExponentialBackoff` with
 * `fullJitterGenerator`): a uniform delay in [0, min(cap, base * 2^(attempt-1))). `attempt` is the
 * 1-based number of the attempt that just failed. Always finite, >= 0 and <= cap, for any attempt.
 */
export function fullJitterBackoff(attempt: number, options: BackoffOptions, random: Random): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), MAX_EXPONENT);
  const growth = 2 ** (Number.isNaN(exponent) ? 0 : exponent);
  const ceiling = Math.max(0, Math.min(options.capMs, Math.max(0, options.baseMs) * growth));
  return random() * ceiling;
}
