import { sleep } from '../core/clock.js';
import type { Logger } from '../core/logger.js';

/** Delays between tries of a store write, in ms: about 30 s in all. */
const DELAYS_MS = [100, 250, 500, 1_000, 2_000, 4_000, 8_000, 15_000];

/**
 * Runs a store operation, trying again with growing pauses while it fails (a database restart,
 * a full connection pool), so a short outage delays work instead of losing or repeating it.
 * Rethrows the last error when the pauses run out or `signal` aborts.
 */
export async function persist<T>(what: string, fn: () => Promise<T>, logger: Logger, signal?: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const delay = DELAYS_MS[attempt];
      if (delay === undefined || signal?.aborted) throw error;
      logger.warn({ err: (error as Error).message, retryInMs: delay }, `store unavailable while trying to ${what}; trying again`);
      await sleep(delay, signal).catch(() => undefined);
    }
  }
}
