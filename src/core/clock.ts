/** A source of the current time in milliseconds since the epoch; injected so tests control time. */
export interface Clock {
  now(): number;
}

/** The real wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * Longest delay a Node.js timer honours, in ms (2^31-1, about 24.8 days): a longer one overflows
 * and fires after 1 ms. Every millisecond setting is capped at it.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** A source of uniform random numbers in [0, 1); injected so tests are deterministic. */
export type Random = () => number;

/** The real random source. */
export const systemRandom: Random = Math.random;

/** Resolves after `ms` milliseconds, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
