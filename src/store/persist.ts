import { sleep } from '../core/clock.js';
import type { Logger } from '../core/logger.js';

/** Delays between tries of a store write, in ms: about 30 s in all. */
const DELAYS_MS = [100, 250, 500, 1_000, 2_000, 4_000, 8_000, 15_000];

/** PostgreSQL SQLSTATE classes and codes, and socket errors, that pass when the server is back. */
const TRANSIENT_SQLSTATE = /^(08|53|57P0[1-3]|40001|40P01)/;
const TRANSIENT_NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/**
 * True for an error that retrying can cure: a lost or refused connection, a server shutting
 * down or out of connections, a serialization conflict, SQLite busy or locked. A wrong value or
 * a broken statement fails the same way every time, so it is not retried.
 */
export function isTransientStoreError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (TRANSIENT_NETWORK.has(code) || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_SQLSTATE.test(code);
  }
  return typeof message === 'string' && /(Connection terminated|connection.*(closed|ended|lost)|timeout exceeded when trying to connect)/i.test(message);
}

/**
 * Runs a store operation, trying again with growing pauses while it fails for a passing reason
 * (a database restart, a full connection pool), so a short outage delays work instead of losing
 * or repeating it. Any other error, or the last one when the pauses run out or `signal` aborts,
 * is rethrown.
 */
export async function persist<T>(what: string, fn: () => Promise<T>, logger: Logger, signal?: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const delay = DELAYS_MS[attempt];
      if (delay === undefined || signal?.aborted || !isTransientStoreError(error)) throw error;
      logger.warn({ err: (error as Error).message, retryInMs: delay }, `store unavailable while trying to ${what}; trying again`);
      await sleep(delay, signal).catch(() => undefined);
    }
  }
}
