import { sleep } from '../core/clock.js';
import type { Logger } from '../core/logger.js';

/** Delays between tries of a store write, in ms: about 30 s in all. */
const DELAYS_MS = [100, 250, 500, 1_000, 2_000, 4_000, 8_000, 15_000];

/**
 * PostgreSQL SQLSTATE classes and codes, and socket errors, that pass when the server is back: a
 * lost connection (08), resources (53), shutdown (57P01-03), a statement timeout or cancel
 * (57014), a lock timeout (55P03), a read-only server after a fail-over (25006), conflicts
 * between transactions (40001, 40P01).
 */
const TRANSIENT_SQLSTATE = /^(08|53|57P0[1-3]|57014|55P03|25006|40001|40P01)/;
/** SQLite codes that pass: another writer, a disk that fills up or fails for a moment. */
const TRANSIENT_SQLITE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR)/;
/** Data errors: a value the database refuses (SQLSTATE classes 22 and 23; SQLite constraint, type and size errors). */
const DATA_SQLSTATE = /^(22|23)/;
const DATA_SQLITE = /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/;
/** A PostgreSQL SQLSTATE code (the other codes are SQLite's or Node's). */
const SQLSTATE = /^[0-9A-Z]{5}$/;
const TRANSIENT_NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/**
 * True for an error that retrying can cure: a lost or refused connection, a server shutting
 * down or out of connections, a serialization conflict, SQLite busy or locked. A wrong value or
 * a broken statement fails the same way every time, so it is not retried.
 */
export function isTransientStoreError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (TRANSIENT_NETWORK.has(code) || TRANSIENT_SQLITE.test(code)) return true;
    if (SQLSTATE.test(code)) return TRANSIENT_SQLSTATE.test(code);
  }
  return typeof message === 'string' && /(Connection terminated|connection.*(closed|ended|lost)|timeout exceeded when trying to connect)/i.test(message);
}

/**
 * True for an error about the values written — one the same write meets every time, whatever the
 * state of the database: a character or number it cannot store, a constraint the row breaks. Only
 * such an error condemns one message; anything else (a broken schema, a server refusing for its
 * own reasons) is the store's, and no message should be given up for it.
 */
export function isDataStoreError(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown };
  if (typeof code !== 'string') return false;
  return SQLSTATE.test(code) ? DATA_SQLSTATE.test(code) : DATA_SQLITE.test(code);
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
