import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { PermanentProviderError, RateLimitedProviderError, RetryableProviderError } from '../errors.js';
import type { Provider } from '../provider.js';
import { describeProviderConformance, type Scenario, testMessage } from '../testing/conformance.js';
import { type StandInReply, StandInServer } from '../testing/stand-in.js';
import { parseMailbox, parseSendGridError, SendGridProviderFactory } from './sendgrid.js';

const factory = new SendGridProviderFactory();
const API_KEY = 'SG.test-key.very-secret-value';

/** SendGrid's documented replies (Mail Send reference, its errors page and the rate-limit page). */
function sendGridReply(scenario: Scenario): StandInReply {
  switch (scenario) {
    case 'success':
      return { status: 202, headers: { 'x-message-id': 'W6A2hR2ZSJi2Cr1zt7Y9Dw' }, body: '' };
    case 'unauthorized':
      return {
        status: 401,
        body: { errors: [{ field: null, message: 'The provided authorization grant is invalid, expired, or revoked', help: null }] },
      };
    case 'invalid_request':
      return {
        status: 400,
        body: {
          errors: [
            {
              message: 'Does not contain a valid address.',
              field: 'personalizations.0.to.0.email',
              help: 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.personalizations.to',
            },
          ],
        },
      };
    case 'rate_limited':
      return {
        status: 429,
        headers: { 'retry-after': '7', 'x-ratelimit-limit': '150', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1392815263' },
        body: { errors: [{ field: null, message: 'too many requests' }] },
      };
    case 'server_error':
      return { status: 503, body: { errors: [{ field: null, message: 'The SendGrid v3 Web API is not available.' }] } };
    case 'hang':
      return 'hang';
  }
}

describeProviderConformance({
  factory,
  message: () => testMessage({ channel: 'email', to: 'rcpt@example.com' }),
  start: async () => {
    let scenario: Scenario = 'success';
    const stand = await StandInServer.start(() => sendGridReply(scenario));
    return {
      options: { apiKey: API_KEY, from: 'sender@example.com', baseUrl: stand.url, timeoutMs: 5000 },
      secrets: [API_KEY],
      use: (next) => {
        scenario = next;
      },
      close: () => stand.close(),
    };
  },
  invalidOptions: [
    { options: { from: 'a@example.com' }, path: 'apiKey' },
    { options: { apiKey: 'k', baseUrl: 'ftp://example.com' }, path: 'baseUrl' },
    { options: { apiKey: 'k', timeoutMs: 0 }, path: 'timeoutMs' },
  ],
  retryAfterMs: 7000,
});

describe('sendgrid provider', () => {
  const clock = { now: () => Date.parse('2030-01-01T00:00:00Z') };
  let stand: StandInServer;
  let provider: Provider;

  async function start(reply: StandInReply, options: Record<string, unknown> = {}): Promise<void> {
    stand = await StandInServer.start(() => reply);
    const parsed = factory.optionsSchema.parse({ apiKey: API_KEY, from: 'Acme Billing <billing@acme.test>', baseUrl: `${stand.url}/`, ...options });
    provider = factory.create(parsed, { name: 'mail', logger: silentLogger, clock });
  }

  afterEach(async () => {
    await provider.close?.();
    await stand.close();
  });

  const signal = () => AbortSignal.timeout(2000);

  it('posts the v3 Mail Send request SendGrid documents', async () => {
    await start(sendGridReply('success'));
    const message = testMessage({
      channel: 'email',
      to: 'rcpt@example.com',
      content: { subject: 'Your invoice', text: 'Plain body', html: '<p>HTML body</p>' },
      idempotencyKey: 'batch-1:7',
    });
    const result = await provider.send(message, { signal: signal() });
    expect(result).toEqual({ providerMessageId: 'W6A2hR2ZSJi2Cr1zt7Y9Dw' });
    const request = stand.last();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v3/mail/send');
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({
      personalizations: [{ to: [{ email: 'rcpt@example.com' }] }],
      from: { email: 'billing@acme.test', name: 'Acme Billing' },
      subject: 'Your invoice',
      content: [
        { type: 'text/plain', value: 'Plain body' },
        { type: 'text/html', value: '<p>HTML body</p>' },
      ],
      custom_args: { missive_message_id: message.id, missive_idempotency_key: 'batch-1:7' },
    });
  });

  it("uses the message's own from over the configured one", async () => {
    await start(sendGridReply('success'));
    await provider.send(testMessage({ channel: 'email', to: 'r@example.com', from: 'ops@acme.test' }), { signal: signal() });
    expect(JSON.parse(stand.last().body).from).toEqual({ email: 'ops@acme.test' });
  });

  it('fails permanently, without calling SendGrid, when there is no sender at all', async () => {
    await start(sendGridReply('success'), { from: undefined });
    const error = await provider.send(testMessage({ channel: 'email', to: 'r@example.com' }), { signal: signal() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect((error as PermanentProviderError).vendor.code).toBe('missing_from');
    expect(stand.requests).toHaveLength(0);
  });

  it('keeps the field and message of a 400 as vendor details', async () => {
    await start(sendGridReply('invalid_request'));
    const error = (await provider.send(testMessage({ channel: 'email', to: 'r@example.com' }), { signal: signal() }).catch((e: unknown) => e)) as PermanentProviderError;
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(error.vendor).toEqual({
      status: 400,
      code: 'personalizations.0.to.0.email',
      message: 'personalizations.0.to.0.email: Does not contain a valid address.',
    });
  });

  it('reads X-RateLimit-Reset when SendGrid sends no Retry-After', async () => {
    const resetAt = clock.now() / 1000 + 42;
    await start({ status: 429, headers: { 'x-ratelimit-reset': String(resetAt) }, body: { errors: [{ field: null, message: 'too many requests' }] } });
    const error = await provider.send(testMessage({ channel: 'email', to: 'r@example.com' }), { signal: signal() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedProviderError);
    expect((error as RateLimitedProviderError).retryAfterMs).toBe(42_000);
  });

  it('never puts the API key in an error, even when the vendor echoes it', async () => {
    await start({ status: 401, body: { errors: [{ field: null, message: `key ${API_KEY} is revoked` }] } });
    const error = (await provider.send(testMessage({ channel: 'email', to: 'r@example.com' }), { signal: signal() }).catch((e: unknown) => e)) as PermanentProviderError;
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(API_KEY);
    expect(error.vendor.message).toBe('key [REDACTED] is revoked');
  });

  it('treats a dropped connection as retryable', async () => {
    await start('drop');
    const error = await provider.send(testMessage({ channel: 'email', to: 'r@example.com' }), { signal: signal() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableProviderError);
  });

  it('accepts a 2xx without X-Message-Id rather than sending twice', async () => {
    await start({ status: 200, body: '' });
    const result = await provider.send(testMessage({ channel: 'email', to: 'r@example.com' }), { signal: signal() });
    expect(result.providerMessageId).toBe('sendgrid-01JTESTMESSAGE0000000000000');
  });
});

describe('parseMailbox', () => {
  it('splits a display name from its address', () => {
    expect(parseMailbox('"Acme, Inc." <hello@acme.test>')).toEqual({ email: 'hello@acme.test', name: 'Acme, Inc.' });
    expect(parseMailbox('<hello@acme.test>')).toEqual({ email: 'hello@acme.test' });
    expect(parseMailbox(' hello@acme.test ')).toEqual({ email: 'hello@acme.test' });
  });
});

describe('parseSendGridError', () => {
  it('joins every error and keeps a short text for non-JSON bodies', () => {
    expect(parseSendGridError(JSON.stringify({ errors: [{ message: 'a' }, { message: 'b', field: 'from.email' }] }))).toEqual({
      vendorMessage: 'a; from.email: b',
    });
    expect(parseSendGridError('<html>Bad gateway</html>')).toEqual({ vendorMessage: '<html>Bad gateway</html>' });
    expect(parseSendGridError('')).toEqual({});
  });
});
