import { RetryableProviderError } from '../providers/errors.js';
import { checkOption } from './options.js';

/** Node's timers hold a signed 32-bit delay; a longer one fires after 1 ms instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs one attempt with a deadline. `fn` gets a signal that aborts after `ms` or when `parent`
 * aborts. The result is a race, so a hung `fn` that ignores its signal cannot hold the caller:
 * past the deadline the promise rejects with a RetryableProviderError (vendor code `timeout`),
 * and on a parent abort with the parent's reason. The timer and the parent listener are removed
 * on every path. A `ms` outside 0..2^31-1 rejects with a ValidationError without calling `fn`.
 */
export function withTimeout<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>, parent?: AbortSignal): Promise<T> {
  try {
    checkOption('timeoutMs', ms, { min: 0, max: MAX_TIMER_MS });
  } catch (error) {
    return Promise.reject(error);
  }
  if (parent?.aborted) return Promise.reject(parent.reason);
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const cleanUp = (): void => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    };
    const timer = setTimeout(() => {
      cleanUp();
      const error = new RetryableProviderError(`the attempt timed out after ${ms} ms`, { code: 'timeout' });
      controller.abort(error);
      reject(error);
    }, ms);
    const onParentAbort = (): void => {
      cleanUp();
      controller.abort(parent?.reason);
      reject(parent?.reason);
    };
    parent?.addEventListener('abort', onParentAbort, { once: true });
    startAttempt(fn, controller.signal).then(
      (value) => {
        cleanUp();
        resolve(value);
      },
      (error: unknown) => {
        cleanUp();
        reject(error);
      },
    );
  });
}

/** Calls `fn`, turning a synchronous throw into a rejection so the cleanup path stays single. */
function startAttempt<T>(fn: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
  try {
    return Promise.resolve(fn(signal));
  } catch (error) {
    return Promise.reject(error);
  }
}
