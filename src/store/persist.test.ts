import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { isDataStoreError, isTransientStoreError, persist } from './persist.js';

describe('isTransientStoreError', () => {
  it('retries lost connections and busy databases, not broken statements', () => {
    expect(isTransientStoreError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientStoreError(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(true);
    expect(isTransientStoreError(Object.assign(new Error('x'), { code: '08006' }))).toBe(true);
    expect(isTransientStoreError(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))).toBe(true);
    expect(isTransientStoreError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientStoreError(Object.assign(new Error('invalid input syntax for type bigint'), { code: '22P02' }))).toBe(false);
    expect(isTransientStoreError(new TypeError('x is undefined'))).toBe(false);
  });

  it('retries timeouts, lock waits, a read-only server after a fail-over and a full or failing disk', () => {
    for (const code of ['57014', '55P03', '25006', 'SQLITE_FULL', 'SQLITE_IOERR_WRITE']) {
      expect(isTransientStoreError(Object.assign(new Error(code), { code }))).toBe(true);
    }
  });
});

describe('isDataStoreError', () => {
  it('is true only for values the database refuses', () => {
    for (const code of ['22P02', '22021', '22003', '23505', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_TOOBIG', 'SQLITE_MISMATCH']) {
      expect(isDataStoreError(Object.assign(new Error(code), { code }))).toBe(true);
    }
    for (const code of ['42P01', '57014', '08006', 'SQLITE_BUSY', 'SQLITE_IOERR', 'ECONNRESET']) {
      expect(isDataStoreError(Object.assign(new Error(code), { code }))).toBe(false);
    }
    expect(isDataStoreError(new Error('The database connection is not open'))).toBe(false);
    expect(isDataStoreError(undefined)).toBe(false);
  });

  it('gives up at once on an error that retrying cannot cure', async () => {
    let calls = 0;
    const broken = Object.assign(new Error('invalid input syntax'), { code: '22P02' });
    await expect(
      persist('write', async () => {
        calls++;
        throw broken;
      }, silentLogger),
    ).rejects.toBe(broken);
    expect(calls).toBe(1);
  });
});
