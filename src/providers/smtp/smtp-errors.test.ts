import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PermanentProviderError, RateLimitedProviderError, RetryableProviderError } from '../errors.js';
import { countsAsFailure } from '../../resilience/breaker/state.js';
import { smtpError } from './smtp-errors.js';

describe('smtpError', () => {
  it('maps the reply codes the brief names', () => {
    const cases: [number, string, unknown][] = [
      [421, '421 4.7.0 Try again later, closing connection', RateLimitedProviderError],
      [421, '421 4.3.2 System not accepting network messages', RetryableProviderError],
      [450, '450 4.2.1 Mailbox busy', RetryableProviderError],
      [451, '451 4.3.0 Local error in processing', RetryableProviderError],
      [452, '452 4.3.1 Insufficient system storage', RetryableProviderError],
      [503, '503 5.5.1 Bad sequence of commands', RetryableProviderError],
      [535, '535 5.7.8 Authentication credentials invalid', PermanentProviderError],
      [550, '550 5.1.1 Mailbox unavailable', PermanentProviderError],
      [553, '553 5.1.3 Mailbox name not allowed', PermanentProviderError],
      [554, '554 5.7.1 Transaction failed', PermanentProviderError],
    ];
    for (const [responseCode, response, kind] of cases) {
      const error = smtpError({ code: 'EENVELOPE', responseCode, response });
      expect(error, response).toBeInstanceOf(kind);
      expect(error.vendor, response).toEqual({ status: responseCode, code: response.split(' ')[1], message: response });
    }
  });

  it('says a 535 is a credentials problem', () => {
    expect(smtpError({ code: 'EAUTH', responseCode: 535, response: '535 Authentication failed' }).message).toContain('refused the credentials');
  });

  it('classifies failures without a reply by their code', () => {
    expect(smtpError({ code: 'ESOCKET', originalCode: 'ECONNREFUSED', message: 'connect ECONNREFUSED' })).toBeInstanceOf(RetryableProviderError);
    expect(smtpError({ code: 'ESOCKET', originalCode: 'ECONNREFUSED' }).vendor).toEqual({ code: 'ECONNREFUSED' });
    expect(smtpError({ code: 'ETIMEDOUT', message: 'Greeting never received' })).toBeInstanceOf(RetryableProviderError);
    expect(smtpError({ code: 'ECONNECTION', message: 'Connection closed unexpectedly' })).toBeInstanceOf(RetryableProviderError);
    expect(smtpError({ code: 'EDNS', message: 'getaddrinfo ENOTFOUND' })).toBeInstanceOf(RetryableProviderError);
    expect(smtpError({ code: 'ENOAUTH', message: 'Missing credentials for "PLAIN"' })).toBeInstanceOf(PermanentProviderError);
    expect(smtpError({ code: 'EENVELOPE', message: 'No recipients defined' })).toBeInstanceOf(PermanentProviderError);
    expect(smtpError({ message: 'something odd' })).toBeInstanceOf(RetryableProviderError);
  });

  it('redacts secrets from the reply and the message', () => {
    const error = smtpError({ code: 'EAUTH', responseCode: 535, response: '535 bad password hunter2' }, (text) => text.replace('hunter2', '[REDACTED]'));
    expect(`${error.message} ${JSON.stringify(error.vendor)}`).not.toContain('hunter2');
  });

  it('takes a 421 for load shedding only with a 4.7.x status: a relay that is down counts against the circuit', () => {
    const down = smtpError({ code: 'EENVELOPE', responseCode: 421, response: '421 mx.example.com Service not available, closing transmission channel' });
    expect(down).toBeInstanceOf(RetryableProviderError);
    expect(down.message).toContain('not available (421)');
    expect(down.vendor).toEqual({ status: 421, code: 'EENVELOPE', message: '421 mx.example.com Service not available, closing transmission channel' });
    expect(countsAsFailure(down)).toBe(true);
    const shedding = smtpError({ responseCode: 421, response: '421 4.7.28 Too many messages from your IP, try again later' });
    expect(shedding).toBeInstanceOf(RateLimitedProviderError);
    expect(countsAsFailure(shedding)).toBe(false);
  });

  it('treats every 4yz but a 4.7.x 421 as retryable and every 5yz but 503 as permanent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 400, max: 599 }), (responseCode) => {
        const error = smtpError({ responseCode, response: `${responseCode} reply` });
        if (responseCode < 500 || responseCode === 503) return error instanceof RetryableProviderError;
        return error instanceof PermanentProviderError && error.vendor.status === responseCode;
      }),
    );
  });
});
