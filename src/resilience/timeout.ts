import { RetryableProviderError } from '../providers/errors.js';
import { checkOption } from './options.js';

/** Node's timers hold a signed 32-bit delay; a longer one fires after 1 ms instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * What an attempt is handed: the signal that aborts it. The signal is made the first time it is
 * read: an AbortController costs about 5 µs in Node.js 20, more than the rest of the attempt's
 * bookkeeping, and a provider that never looks at it (a local one) need not pay for it. Once the
 * attempt is aborted, a signal read for the first time is already aborted, with the same reason.
 */
export interface AttemptContext {
  readonly signal: AbortSignal;
}

/**
 * Runs one attempt with a deadline. `fn` gets a signal that aborts after `ms` or when `parent`
 * aborts. The result is a race, so a hung `fn` that ignores its signal cannot hold the caller:
 * past the deadline the promise rejects with a RetryableProviderError (vendor code `timeout`),
 * and on a parent abort with the parent's reason. The timer and the parent listener are removed
 * on every path. A `ms` outside 0..2^31-1 rejects with a ValidationError without calling `fn`.
 */
export function withTimeout<T>(ms: number, fn: (attempt: AttemptContext) => Promise<T>, parent?: AbortSignal): Promise<T> {
  try {
    checkOption('timeoutMs', ms, { min: 0, max: MAX_TIMER_MS });
  } catch (error) {
    return Promise.reject(error);
  }
  if (parent?.aborted) return Promise.reject(parent.reason);
  const attempt = new LazyAttempt();
  return new Promise<T>((resolve, reject) => {
    const cleanUp = (): void => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    };
    const timer = setTimeout(() => {
      cleanUp();
      const error = new RetryableProviderError(`the attempt timed out after ${ms} ms`, { code: 'timeout' });
      attempt.abort(error);
      reject(error);
    }, ms);
    const onParentAbort = (): void => {
      cleanUp();
      attempt.abort(parent?.reason);
      reject(parent?.reason);
    };
    parent?.addEventListener('abort', onParentAbort, { once: true });
    startAttempt(fn, attempt.context).then(
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

/**
 * An attempt's signal, made on first read (see {@link AttemptContext}). The getter is the
 * context's own enumerable property, so a provider that copies the context (`{ ...context }`)
 * still gets the signal.
 */
class LazyAttempt {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  readonly context: AttemptContext;

  constructor() {
    const signal = (): AbortSignal => {
      if (!this.#controller) {
        this.#controller = new AbortController();
        if (this.#aborted) this.#controller.abort(this.#reason);
      }
      return this.#controller.signal;
    };
    this.context = Object.defineProperty({} as AttemptContext, 'signal', { get: signal, enumerable: true });
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/** Calls `fn`, turning a synchronous throw into a rejection so the cleanup path stays single. */
function startAttempt<T>(fn: (attempt: AttemptContext) => Promise<T>, attempt: AttemptContext): Promise<T> {
  try {
    return Promise.resolve(fn(attempt));
  } catch (error) {
    return Promise.reject(error);
  }
}
