import { describe, expect, it } from 'vitest';
import { PermanentProviderError, RateLimitedProviderError, RetryableProviderError } from '../errors.js';
import { errorFromResponse } from './classify.js';

describe('errorFromResponse', () => {
  const now = 0;
  it('maps 429 to rate-limited with the Retry-After', () => {
    const error = errorFromResponse('acme', { status: 429, retryAfter: '3' }, now);
    expect(error).toBeInstanceOf(RateLimitedProviderError);
    expect((error as RateLimitedProviderError).retryAfterMs).toBe(3000);
  });
  it('maps 5xx and 408 to retryable', () => {
    expect(errorFromResponse('acme', { status: 503 }, now)).toBeInstanceOf(RetryableProviderError);
    expect(errorFromResponse('acme', { status: 408 }, now)).toBeInstanceOf(RetryableProviderError);
  });
  it('maps 401, 403 and other 4xx to permanent, keeping the vendor details', () => {
    const error = errorFromResponse('acme', { status: 400, vendorCode: 'bad_to', vendorMessage: 'invalid number' }, now);
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(error.vendor).toEqual({ status: 400, code: 'bad_to', message: 'invalid number' });
    expect(error.message).toContain('invalid number');
    expect(errorFromResponse('acme', { status: 401 }, now)).toBeInstanceOf(PermanentProviderError);
  });
});
