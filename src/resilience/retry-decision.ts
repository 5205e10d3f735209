import type { Random } from '../core/clock.js';
import { type RateLimitedProviderError, toProviderError } from '../providers/errors.js';
import { fullJitterBackoff } from './backoff.js';
import { checkOption } from './options.js';

/** How many times, and how far apart, a failed send is tried. */
export interface RetryOptions {
  /** Attempts in all, the first included (so 1 means never retry). Default 5. */
  maxAttempts: number;
  /** Backoff ceiling after the first failure, in milliseconds; doubles per attempt. Default 1000. */
  baseMs: number;
  /** Largest computed backoff, in milliseconds. Default 300000 (5 minutes). */
  capMs: number;
  /** A vendor's Retry-After longer than this is clamped to it, in milliseconds. Default 3600000 (1 hour). */
  maxRetryAfterMs?: number;
}

/** Retry options with every default filled in. */
export type ResolvedRetryOptions = Readonly<Required<RetryOptions>>;

/** The defaults of {@link RetryOptions}, written once. */
export const DEFAULT_RETRY_OPTIONS: ResolvedRetryOptions = Object.freeze({
  maxAttempts: 5,
  baseMs: 1000,
  capMs: 300_000,
  maxRetryAfterMs: 3_600_000,
});

/** Fills in defaults and checks ranges; throws a ValidationError naming the bad option. */
export function resolveRetryOptions(partial: Partial<RetryOptions> = {}): ResolvedRetryOptions {
  const resolved = {
    maxAttempts: partial.maxAttempts ?? DEFAULT_RETRY_OPTIONS.maxAttempts,
    baseMs: partial.baseMs ?? DEFAULT_RETRY_OPTIONS.baseMs,
    capMs: partial.capMs ?? DEFAULT_RETRY_OPTIONS.capMs,
    maxRetryAfterMs: partial.maxRetryAfterMs ?? DEFAULT_RETRY_OPTIONS.maxRetryAfterMs,
  };
  checkOption('maxAttempts', resolved.maxAttempts, { min: 1, integer: true });
  checkOption('baseMs', resolved.baseMs, { min: 0, max: Number.MAX_SAFE_INTEGER });
  checkOption('capMs', resolved.capMs, { min: 0, max: Number.MAX_SAFE_INTEGER });
  checkOption('maxRetryAfterMs', resolved.maxRetryAfterMs, { min: 0, max: Number.MAX_SAFE_INTEGER });
  return Object.freeze(resolved);
}

/** What to do after a failed attempt: try again after `delayMs`, or stop and say why. */
export type RetryDecision =
  | { retry: true; delayMs: number; reason: 'retryable' | 'rate_limited' }
  | { retry: false; reason: 'permanent' | 'exhausted' };

/**
 * Decides, by error kind alone, whether the attempt numbered `attempt` (1-based) that failed with
 * `error` is tried again and after how long. Anything that is not a ProviderError is normalized
 * by `toProviderError` first (which makes it retryable). A rate-limited error's Retry-After wins
 * over the backoff when it is longer, clamped to `maxRetryAfterMs`. `now` is not read today
 * (providers already turned HTTP dates into milliseconds) but callers pass their clock so the
 * decision can become time-aware without changing every call site.
 */
export function decideRetry(
  error: unknown,
  attempt: number,
  options: RetryOptions,
  random: Random,
  _now: number,
): RetryDecision {
  const normalized = toProviderError(error);
  if (normalized.kind === 'permanent') return { retry: false, reason: 'permanent' };
  if (attempt >= options.maxAttempts) return { retry: false, reason: 'exhausted' };
  const backoffMs = fullJitterBackoff(attempt, options, random);
  if (normalized.kind === 'retryable') return { retry: true, delayMs: backoffMs, reason: 'retryable' };
  const maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULT_RETRY_OPTIONS.maxRetryAfterMs;
  const retryAfterMs = (normalized as Partial<RateLimitedProviderError>).retryAfterMs;
  const askedMs = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) ? Math.min(retryAfterMs, maxRetryAfterMs) : 0;
  return { retry: true, delayMs: Math.max(backoffMs, askedMs), reason: 'rate_limited' };
}
