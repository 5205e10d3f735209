import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { PermanentProviderError, RateLimitedProviderError, RetryableProviderError } from '../providers/errors.js';
import { DEFAULT_RETRY_OPTIONS, decideRetry, resolveRetryOptions } from './retry-decision.js';

const options = resolveRetryOptions({ maxAttempts: 3, baseMs: 1000, capMs: 60_000, maxRetryAfterMs: 10_000 });
const half = (): number => 0.5;
const now = 1_700_000_000_000;

describe('resolveRetryOptions', () => {
  it('fills in the documented defaults', () => {
    expect(resolveRetryOptions()).toEqual({ maxAttempts: 5, baseMs: 1000, capMs: 300_000, maxRetryAfterMs: 3_600_000 });
    expect(resolveRetryOptions({ maxAttempts: 2 })).toEqual({ ...DEFAULT_RETRY_OPTIONS, maxAttempts: 2 });
  });

  it('rejects values that would make the policy meaningless, naming the option', () => {
    expect(() => resolveRetryOptions({ maxAttempts: 0 })).toThrow(ValidationError);
    expect(() => resolveRetryOptions({ maxAttempts: 1.5 })).toThrow(/maxAttempts/);
    expect(() => resolveRetryOptions({ baseMs: -1 })).toThrow(/baseMs/);
    expect(() => resolveRetryOptions({ capMs: Number.NaN })).toThrow(/capMs/);
  });
});

describe('decideRetry', () => {
  it('never retries a permanent error, even on the first attempt', () => {
    expect(decideRetry(new PermanentProviderError('bad recipient'), 1, options, half, now)).toEqual({
      retry: false,
      reason: 'permanent',
    });
  });

  it('retries a retryable error with full-jitter backoff while attempts remain', () => {
    expect(decideRetry(new RetryableProviderError('503'), 1, options, half, now)).toEqual({
      retry: true,
      delayMs: 500,
      reason: 'retryable',
    });
    expect(decideRetry(new RetryableProviderError('503'), 2, options, half, now)).toEqual({
      retry: true,
      delayMs: 1000,
      reason: 'retryable',
    });
  });

  it('stops once maxAttempts attempts have been made', () => {
    expect(decideRetry(new RetryableProviderError('503'), 3, options, half, now)).toEqual({ retry: false, reason: 'exhausted' });
    expect(decideRetry(new RateLimitedProviderError('429', {}, 10), 3, options, half, now)).toEqual({
      retry: false,
      reason: 'exhausted',
    });
  });

  it('treats anything else thrown as retryable', () => {
    expect(decideRetry(new TypeError('fetch failed'), 1, options, half, now)).toMatchObject({ retry: true, reason: 'retryable' });
    expect(decideRetry('a string', 1, options, half, now)).toMatchObject({ retry: true, reason: 'retryable' });
    expect(decideRetry(undefined, 1, options, half, now)).toMatchObject({ retry: true, reason: 'retryable' });
  });

  it("waits a rate-limited error's Retry-After when it is longer than the backoff", () => {
    const error = new RateLimitedProviderError('429', { status: 429 }, 7000);
    expect(decideRetry(error, 1, options, half, now)).toEqual({ retry: true, delayMs: 7000, reason: 'rate_limited' });
  });

  it('keeps the backoff when the Retry-After is shorter or missing', () => {
    expect(decideRetry(new RateLimitedProviderError('429', {}, 100), 2, options, half, now)).toEqual({
      retry: true,
      delayMs: 1000,
      reason: 'rate_limited',
    });
    expect(decideRetry(new RateLimitedProviderError('429'), 2, options, half, now)).toEqual({
      retry: true,
      delayMs: 1000,
      reason: 'rate_limited',
    });
  });

  it('clamps a long Retry-After to maxRetryAfterMs, defaulting to one hour', () => {
    const error = new RateLimitedProviderError('429', {}, 86_400_000);
    expect(decideRetry(error, 1, options, half, now)).toMatchObject({ delayMs: 10_000 });
    const { maxRetryAfterMs: _unset, ...withoutClamp } = options;
    expect(decideRetry(error, 1, withoutClamp, half, now)).toMatchObject({ delayMs: 3_600_000 });
  });

  it('ignores a Retry-After that is not a finite number', () => {
    const error = new RateLimitedProviderError('429', {}, Number.NaN);
    expect(decideRetry(error, 1, options, half, now)).toEqual({ retry: true, delayMs: 500, reason: 'rate_limited' });
  });

  it('always yields a finite, non-negative delay no longer than the larger of cap and clamp', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.option(fc.integer({ min: 0, max: 10 ** 12 }), { nil: undefined }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, retryAfterMs, draw) => {
          const policy = { ...options, maxAttempts: 10_001 };
          const decision = decideRetry(new RateLimitedProviderError('429', {}, retryAfterMs), attempt, policy, () => draw, now);
          if (!decision.retry) throw new Error('expected a retry');
          expect(Number.isFinite(decision.delayMs)).toBe(true);
          expect(decision.delayMs).toBeGreaterThanOrEqual(0);
          expect(decision.delayMs).toBeLessThanOrEqual(Math.max(policy.capMs, policy.maxRetryAfterMs));
        },
      ),
    );
  });
});
