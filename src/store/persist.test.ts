import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { isTransientStoreError, persist } from './persist.js';

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
