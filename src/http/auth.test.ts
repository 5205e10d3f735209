import { describe, expect, it } from 'vitest';
import { ApiKeyVerifier, bearerToken } from './auth.js';
import type { HttpProblemError } from './problem.js';

describe('ApiKeyVerifier', () => {
  const verifier = new ApiKeyVerifier(['key-one-0123456789', 'k2']);

  it('accepts any configured key as a bearer token', () => {
    expect(verifier.verify('Bearer key-one-0123456789')).toBe('ok');
    expect(verifier.verify('bearer k2')).toBe('ok');
    expect(verifier.open).toBe(false);
  });

  it('tells a missing key from a wrong one', () => {
    expect(verifier.verify(undefined)).toBe('missing');
    expect(verifier.verify('')).toBe('missing');
    expect(verifier.verify('Basic a2V5')).toBe('missing');
    expect(verifier.verify('Bearer')).toBe('missing');
    expect(verifier.verify('Bearer key-one-012345678')).toBe('invalid');
    expect(verifier.verify('Bearer key-one-0123456789x')).toBe('invalid');
    expect(verifier.verify('Bearer K2')).toBe('invalid');
  });

  it('is open, accepting anything, when no key is configured', () => {
    const open = new ApiKeyVerifier([]);
    expect(open.open).toBe(true);
    expect(open.verify(undefined)).toBe('ok');
    expect(open.verify('Bearer whatever')).toBe('ok');
  });

  it('throws a 401 problem with a Bearer challenge, never echoing the key', () => {
    const thrown = (header: string | undefined) => {
      try {
        verifier.assert(header);
      } catch (error) {
        return error as HttpProblemError;
      }
      throw new Error('expected a 401');
    };
    const missing = thrown(undefined);
    expect(missing.problem).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="missive"');
    const wrong = thrown('Bearer not-the-key-at-all');
    expect(wrong.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(JSON.stringify(wrong.problem)).not.toContain('not-the-key-at-all');
    expect(() => verifier.assert('Bearer k2')).not.toThrow();
  });
});

describe('bearerToken', () => {
  it('reads the token of a Bearer credential only', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('BEARER   abc ')).toBe('abc');
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken('Token abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
