import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { RetryableProviderError } from '../providers/errors.js';
import { withTimeout } from './timeout.js';

/** An attempt that never settles and ignores its signal, like a hung plugin. */
const hang = (): Promise<never> => new Promise<never>(() => undefined);

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('withTimeout', () => {
  it("returns fn's value and clears its timer and parent listener", async () => {
    const parent = new AbortController();
    await expect(withTimeout(1000, async () => 'done', parent.signal)).resolves.toBe('done');
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with a retryable timeout error at the deadline even when fn ignores its signal', async () => {
    let seen: AbortSignal | undefined;
    const result = withTimeout(1000, (attempt) => {
      seen = attempt.signal;
      return hang();
    });
    const outcome = result.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(999);
    expect(seen?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(RetryableProviderError);
    expect(error).toMatchObject({ kind: 'retryable', vendor: { code: 'timeout' } });
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(error);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects with the parent's reason when the parent aborts first", async () => {
    const parent = new AbortController();
    let seen: AbortSignal | undefined;
    const result = withTimeout(
      1000,
      (attempt) => {
        seen = attempt.signal;
        return hang();
      },
      parent.signal,
    );
    const settled = expect(result).rejects.toBe('shutdown');
    await vi.advanceTimersByTimeAsync(10);
    parent.abort('shutdown');
    await settled;
    expect(seen?.reason).toBe('shutdown');
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('does not start fn when the parent is already aborted', async () => {
    const fn = vi.fn(async () => 'never');
    await expect(withTimeout(1000, fn, AbortSignal.abort('gone'))).rejects.toBe('gone');
    expect(fn).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("passes fn's own rejection through and cleans up", async () => {
    const parent = new AbortController();
    const failure = new Error('refused');
    await expect(withTimeout(1000, async () => Promise.reject(failure), parent.signal)).rejects.toBe(failure);
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('turns a synchronous throw into a rejection and cleans up', async () => {
    const failure = new Error('bug');
    const fn = (): Promise<string> => {
      throw failure;
    };
    await expect(withTimeout(1000, fn)).rejects.toBe(failure);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps the timeout error when fn rejects after the deadline', async () => {
    const result = withTimeout(
      100,
      (attempt) =>
        new Promise<never>((_resolve, reject) => {
          attempt.signal.addEventListener('abort', () => setTimeout(() => reject(new Error('late')), 50));
        }),
    );
    const outcome = result.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(200);
    await expect(outcome).resolves.toBeInstanceOf(RetryableProviderError);
  });

  it('makes the signal only when it is read, already aborted when read after the abort', async () => {
    let held: { readonly signal: AbortSignal } | undefined;
    const result = withTimeout(100, (attempt) => {
      held = attempt;
      return hang();
    });
    const outcome = result.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(100);
    const error = await outcome;
    const signal = held?.signal;
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(error);
    expect(held?.signal).toBe(signal);
  });

  it('hands a context that can be copied without losing its signal', async () => {
    let copied: { signal: AbortSignal } | undefined;
    const result = withTimeout(100, (attempt) => {
      copied = { ...attempt };
      return hang();
    });
    const outcome = result.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(100);
    expect(copied?.signal.aborted).toBe(true);
    expect(copied?.signal.reason).toBe(await outcome);
  });

  it('rejects a delay Node timers cannot hold, without calling fn', async () => {
    const fn = vi.fn(async () => 'never');
    await expect(withTimeout(-1, fn)).rejects.toBeInstanceOf(ValidationError);
    await expect(withTimeout(2 ** 31, fn)).rejects.toThrow(/timeoutMs/);
    expect(fn).not.toHaveBeenCalled();
  });
});
