import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signingKey, signingSecretProblem, signWebhook } from './signature.js';

describe('Standard Webhooks signing', () => {
  it('matches the specification example', () => {
    // The example of the standard-webhooks reference libraries' tests.
    const key = signingKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    const signature = signWebhook(
      { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330, body: '{"test": 2432232314}' },
      key,
    );
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('uses the base64-decoded part after whsec_, or the raw bytes of any other secret', () => {
    expect(signingKey('whsec_AAEC')).toEqual(Buffer.from([0, 1, 2]));
    expect(signingKey('plain-secret')).toEqual(Buffer.from('plain-secret'));
  });

  it('signs "id.timestamp.body" with HMAC-SHA256', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.nat(), fc.string(), fc.uint8Array({ minLength: 1 }), (id, timestamp, body, bytes) => {
        const key = Buffer.from(bytes);
        const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
        expect(signWebhook({ id, timestamp, body }, key)).toBe(`v1,${expected}`);
      }),
    );
  });

  it('validates secrets', () => {
    expect(signingSecretProblem('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBeUndefined();
    expect(signingSecretProblem('a-plain-shared-secret')).toBeUndefined();
    expect(signingSecretProblem('')).toBeDefined();
    expect(signingSecretProblem('whsec_')).toBeDefined();
    expect(signingSecretProblem('whsec_not base64!')).toBeDefined();
  });
});
