import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PermanentProviderError, RateLimitedProviderError, RetryableProviderError } from '../providers/errors.js';
import { retry } from './retry.js';
import type { RetryInfo } from './retry.js';

const clock = { now: () => Date.now() };
const half = (): number => 0.5;
const policy = { maxAttempts: 4, baseMs: 1000, capMs: 60_000, clock, random: half };

/** A send that fails with the given errors in turn, then returns 'sent'. */
function failingThen(...errors: unknown[]): ReturnType<typeof vi.fn<(attempt: number, signal: AbortSignal) => Promise<string>>> {
  let calls = 0;
  return vi.fn(async () => {
    const error = errors[calls];
    calls += 1;
    if (calls <= errors.length) throw error;
    return 'sent';
  });
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('retry', () => {
  it('waits the decided backoff between attempts and returns the first success', async () => {
    const fn = failingThen(new RetryableProviderError('503'), new RetryableProviderError('503'));
    const retries: RetryInfo[] = [];
    const result = retry(fn, { ...policy, onRetry: (info) => retries.push(info) });

    await vi.advanceTimersByTimeAsync(0);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);

    await expect(result).resolves.toBe('sent');
    expect(fn).toHaveBeenCalledTimes(3);
    expect(fn.mock.calls.map(([attempt]) => attempt)).toEqual([1, 2, 3]);
    expect(retries.map(({ attempt, delayMs }) => ({ attempt, delayMs }))).toEqual([
      { attempt: 1, delayMs: 500 },
      { attempt: 2, delayMs: 1000 },
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rethrows a permanent error at once, without retrying', async () => {
    const error = new PermanentProviderError('invalid recipient');
    const fn = failingThen(error);
    const onRetry = vi.fn();
    await expect(retry(fn, { ...policy, onRetry })).rejects.toBe(error);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(onRetry).not.toHaveBeenCalled();
  });

  it('gives up after maxAttempts attempts with the last error', async () => {
    const errors = [1, 2, 3, 4, 5].map((n) => new RetryableProviderError(`failure ${n}`));
    const fn = failingThen(...errors);
    const result = retry(fn, policy);
    const settled = expect(result).rejects.toBe(errors[3]);
    await vi.runAllTimersAsync();
    await settled;
    expect(fn).toHaveBeenCalledTimes(4);
  });

  it('rethrows anything else normalized to a retryable ProviderError', async () => {
    const original = new TypeError('socket hang up');
    const fn = failingThen(original, original);
    const result = retry(fn, { ...policy, maxAttempts: 2 });
    const settled = expect(result).rejects.toMatchObject({ kind: 'retryable', cause: original });
    await vi.runAllTimersAsync();
    await settled;
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it("waits a rate-limited error's Retry-After", async () => {
    const fn = failingThen(new RateLimitedProviderError('429', { status: 429 }, 20_000));
    const result = retry(fn, policy);
    await vi.advanceTimersByTimeAsync(19_999);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toBe('sent');
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('stops waiting when the signal aborts and rejects with its reason', async () => {
    const controller = new AbortController();
    const fn = failingThen(new RetryableProviderError('503'));
    const result = retry(fn, { ...policy, signal: controller.signal });
    const settled = expect(result).rejects.toBe('shutting down');
    await vi.advanceTimersByTimeAsync(100);
    controller.abort('shutting down');
    await settled;
    expect(fn).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not call fn when the signal is already aborted', async () => {
    const fn = failingThen();
    const reason = new Error('cancelled');
    await expect(retry(fn, { ...policy, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
  });

  it('reports an abort during an attempt as the abort, not as a provider failure', async () => {
    const controller = new AbortController();
    const fn = vi.fn(async (_attempt: number, signal: AbortSignal) => {
      controller.abort('stop');
      throw new RetryableProviderError('aborted', { code: 'timeout' }, { cause: signal.reason });
    });
    await expect(retry(fn, { ...policy, signal: controller.signal })).rejects.toBe('stop');
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('passes fn a signal even when the caller gave none', async () => {
    const fn = vi.fn(async (_attempt: number, signal: AbortSignal) => signal.aborted);
    await expect(retry(fn, policy)).resolves.toBe(false);
  });

  it('stops when beforeAttempt throws, with what it threw', async () => {
    const stop = new Error('circuit open');
    const beforeAttempt = vi.fn(async (attempt: number) => {
      if (attempt === 2) throw stop;
    });
    const fn = failingThen(new RetryableProviderError('503'), new RetryableProviderError('503'));
    const result = retry(fn, { ...policy, beforeAttempt });
    const settled = expect(result).rejects.toBe(stop);
    await vi.runAllTimersAsync();
    await settled;
    expect(fn).toHaveBeenCalledTimes(1);
    expect(beforeAttempt.mock.calls).toEqual([[1], [2]]);
  });

  it('uses the injected sleep instead of timers', async () => {
    const waits: number[] = [];
    const sleep = vi.fn(async (ms: number) => {
      waits.push(ms);
    });
    const fn = failingThen(new RetryableProviderError('a'), new RetryableProviderError('b'), new RetryableProviderError('c'));
    await expect(retry(fn, { ...policy, sleep })).resolves.toBe('sent');
    expect(waits).toEqual([500, 1000, 2000]);
    expect(fn).toHaveBeenCalledTimes(4);
    expect(vi.getTimerCount()).toBe(0);
  });
});
