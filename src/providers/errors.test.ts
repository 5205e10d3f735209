import { describe, expect, it } from 'vitest';
import { isProviderError, PermanentProviderError, RetryableProviderError, toProviderError } from './errors.js';

describe('provider errors', () => {
  it('recognizes a provider error built by another copy of the module', () => {
    const foreign = Object.assign(new Error('from a plugin'), { [Symbol.for('missive.ProviderError')]: true, kind: 'permanent', vendor: {} });
    expect(isProviderError(foreign)).toBe(true);
    expect(toProviderError(foreign)).toBe(foreign);
    expect(isProviderError(Object.assign(new Error('x'), { kind: 'permanent' }))).toBe(false);
  });

  it('turns aborts into retryable timeouts and anything else into retryable failures', () => {
    const abort = toProviderError(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    expect(abort).toBeInstanceOf(RetryableProviderError);
    expect(abort.vendor.code).toBe('timeout');
    const unknown = toProviderError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    expect(unknown).toBeInstanceOf(RetryableProviderError);
    expect(unknown.vendor.code).toBe('ECONNRESET');
    expect(toProviderError('a string').message).toContain('a string');
    const permanent = new PermanentProviderError('bad', { status: 400 });
    expect(toProviderError(permanent)).toBe(permanent);
  });
});
