import { sleep as realSleep } from '../core/clock.js';
import type { Clock, Random } from '../core/clock.js';
import { toProviderError } from '../providers/errors.js';
import type { ProviderError } from '../providers/errors.js';
import { decideRetry, resolveRetryOptions } from './retry-decision.js';
import type { RetryOptions } from './retry-decision.js';

/** What {@link retry} reports before each wait. */
export interface RetryInfo {
  /** The 1-based number of the attempt that just failed. */
  attempt: number;
  /** How long the loop waits before the next attempt, in milliseconds. */
  delayMs: number;
  /** Why the attempt failed, normalized. */
  error: ProviderError;
}

/** Options of {@link retry}: the retry policy (defaults as in RetryOptions) plus its collaborators. */
export interface RetryLoopOptions extends Partial<RetryOptions> {
  /** Time source handed to each retry decision. */
  clock: Clock;
  /** Random source of the backoff jitter. */
  random: Random;
  /** Stops the loop: waiting ends and the loop rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Waits between attempts. Default `sleep` from core/clock. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called before every attempt, the first included; whatever it throws ends the loop as is. */
  beforeAttempt?: (attempt: number) => void | Promise<void>;
  /** Called after a failed attempt that will be retried, before the wait. */
  onRetry?: (info: RetryInfo) => void;
}

/** Stands in for a missing caller signal, so `fn` always receives one. */
const neverAborted = new AbortController().signal;

/**
 * Calls `fn` until it succeeds or a retry decision says stop, waiting the decided delay between
 * attempts. For the in-process batch path; the worker path schedules retries through the broker
 * with {@link decideRetry} instead. Rejects with the last error normalized to a ProviderError, with
 * the signal's reason once the signal aborts, or with whatever `beforeAttempt` throws.
 */
export async function retry<T>(
  fn: (attempt: number, signal: AbortSignal) => Promise<T>,
  options: RetryLoopOptions,
): Promise<T> {
  const policy = resolveRetryOptions(options);
  const signal = options.signal ?? neverAborted;
  const wait = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt += 1) {
    signal.throwIfAborted();
    await options.beforeAttempt?.(attempt);
    signal.throwIfAborted();
    try {
      return await fn(attempt, signal);
    } catch (thrown) {
      // A failure caused by the caller's abort says nothing about the provider: report the abort.
      signal.throwIfAborted();
      const error = toProviderError(thrown);
      const decision = decideRetry(error, attempt, policy, options.random, options.clock.now());
      if (!decision.retry) throw error;
      options.onRetry?.({ attempt, delayMs: decision.delayMs, error });
      await wait(decision.delayMs, signal);
    }
  }
}
