import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { PermanentProviderError, RateLimitedProviderError, RetryableProviderError } from '../errors.js';
import type { Provider } from '../provider.js';
import { describeProviderConformance, type Scenario, testMessage } from '../testing/conformance.js';
import { type StandInReply, StandInServer } from '../testing/stand-in.js';
import { needsUnicode, type VonageOptions, VonageProviderFactory } from './vonage.js';
import { errorFromVonageStatus } from './vonage-status.js';

const factory = new VonageProviderFactory();
const API_KEY = 'abcd1234';
const API_SECRET = 'vonage-api-s3cr3t';

/** Vonage's documented answers: HTTP 200 with a `messages` array whose `status` says what happened. */
function vonageReply(scenario: Scenario): StandInReply {
  const failed = (status: string, errorText: string): StandInReply => ({
    status: 200,
    body: { 'message-count': '1', messages: [{ status, 'error-text': errorText }] },
  });
  switch (scenario) {
    case 'success':
      return {
        status: 200,
        body: {
          'message-count': '1',
          messages: [
            { to: '447700900000', 'message-id': '0A0000000123ABCD1', status: '0', 'remaining-balance': '3.14', 'message-price': '0.03', network: '12345' },
          ],
        },
      };
    case 'unauthorized':
      return failed('4', 'Bad Credentials');
    case 'invalid_request':
      return failed('3', 'Invalid to address');
    case 'rate_limited':
      return failed('1', 'Throughput Rate Exceeded - please wait [ 50 ] and retry');
    case 'server_error':
      return failed('5', 'Internal Error');
    case 'hang':
      return 'hang';
  }
}

async function startVonage(): Promise<{ stand: StandInServer; use(scenario: Scenario): void }> {
  const stand = await StandInServer.start();
  return { stand, use: (scenario) => stand.respond(() => vonageReply(scenario)) };
}

describeProviderConformance<VonageOptions>({
  factory,
  message: () => testMessage({ channel: 'sms', to: '+447700900000', content: { text: 'Your code is 1234' } }),
  start: async () => {
    const { stand, use } = await startVonage();
    return {
      options: { apiKey: API_KEY, apiSecret: API_SECRET, from: 'ACME', baseUrl: stand.url, timeoutMs: 10_000 },
      secrets: [API_SECRET],
      use,
      close: () => stand.close(),
    };
  },
  invalidOptions: [
    { options: { apiSecret: API_SECRET }, path: 'apiKey' },
    { options: { apiKey: API_KEY }, path: 'apiSecret' },
    { options: { apiKey: API_KEY, apiSecret: API_SECRET, baseUrl: 'not a url' }, path: 'baseUrl' },
  ],
  // Vonage signals throttling with status 1 in a 200 answer and no Retry-After header.
  retryAfterMs: undefined,
});

describe('vonage provider', () => {
  let stand: StandInServer;
  let use: (scenario: Scenario) => void;
  const clock = { now: () => 0 };
  const signal = () => AbortSignal.timeout(5000);

  beforeEach(async () => {
    ({ stand, use } = await startVonage());
  });
  afterEach(() => stand.close());

  function provider(overrides: Partial<VonageOptions> = {}): Provider {
    const options = factory.optionsSchema.parse({ apiKey: API_KEY, apiSecret: API_SECRET, baseUrl: stand.url, ...overrides });
    return factory.create(options, { name: 'sms', logger: silentLogger, clock });
  }

  const fail = (p: Provider, text = 'hi') =>
    p.send(testMessage({ channel: 'sms', to: '+447700900000', content: { text } }), { signal: signal() }).catch((e: unknown) => e);

  it('posts the documented form and returns the message-id', async () => {
    use('success');
    const result = await provider({ from: '+447700900001' }).send(
      testMessage({ channel: 'sms', to: '+447700900000', content: { text: 'Hello there' } }),
      { signal: signal() },
    );
    expect(result).toEqual({ providerMessageId: '0A0000000123ABCD1' });
    const request = stand.last();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/sms/json');
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      api_key: API_KEY,
      api_secret: API_SECRET,
      from: '447700900001',
      to: '447700900000',
      text: 'Hello there',
      'client-ref': '01JTESTMESSAGE0000000000000',
    });
  });

  it("uses the message's from and asks for unicode when the text needs it", async () => {
    use('success');
    await provider({ from: 'ACME' }).send(
      testMessage({ channel: 'sms', to: '+447700900000', from: 'Shop', content: { text: 'Grüße 👋' } }),
      { signal: signal() },
    );
    const form = new URLSearchParams(stand.last().body);
    expect(form.get('from')).toBe('Shop');
    expect(form.get('type')).toBe('unicode');
  });

  it('joins the ids of a multi-part message', async () => {
    stand.respond(() => ({
      status: 200,
      body: { 'message-count': '2', messages: [{ status: '0', 'message-id': 'A1' }, { status: '0', 'message-id': 'A2' }] },
    }));
    const result = await provider({ from: 'ACME' }).send(testMessage({ channel: 'sms', to: '+447700900000' }), { signal: signal() });
    expect(result.providerMessageId).toBe('A1,A2');
  });

  it('fails the send when any part failed', async () => {
    stand.respond(() => ({
      status: 200,
      body: { 'message-count': '2', messages: [{ status: '0', 'message-id': 'A1' }, { status: '9', 'error-text': 'Quota Exceeded' }] },
    }));
    const error = await fail(provider({ from: 'ACME' }));
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect((error as PermanentProviderError).vendor).toEqual({ status: 200, code: '9', message: 'Quota Exceeded' });
  });

  it('keeps the secret out of errors', async () => {
    use('unauthorized');
    const error = (await fail(provider({ from: 'ACME' }))) as PermanentProviderError;
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(error.vendor.code).toBe('4');
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(API_SECRET);
  });

  it('honours an HTTP 429 with Retry-After', async () => {
    stand.respond(() => ({ status: 429, headers: { 'retry-after': '7' }, body: 'Too Many Requests' }));
    const error = await fail(provider({ from: 'ACME' }));
    expect(error).toBeInstanceOf(RateLimitedProviderError);
    expect((error as RateLimitedProviderError).retryAfterMs).toBe(7000);
  });

  it('refuses a message without a sender before calling Vonage', async () => {
    const error = await fail(provider());
    expect((error as PermanentProviderError).vendor.code).toBe('missing_from');
    expect(stand.requests).toHaveLength(0);
  });

  it('treats an answer without messages as a permanent unexpected response', async () => {
    stand.respond(() => ({ status: 200, body: { hello: 'world' } }));
    const error = await fail(provider({ from: 'ACME' }));
    expect((error as PermanentProviderError).vendor.code).toBe('unexpected_response');
  });
});

describe('errorFromVonageStatus', () => {
  const kind = (status: string) => errorFromVonageStatus({ status, httpStatus: 200 }).kind;
  it('maps the documented statuses', () => {
    expect(kind('1')).toBe('rate_limited');
    expect(kind('10')).toBe('rate_limited');
    expect(kind('5')).toBe('retryable');
    for (const status of ['2', '3', '4', '6', '7', '8', '9', '11', '12', '14', '15', '22', '29', '33', '99']) {
      expect(kind(status), `status ${status}`).toBe('permanent');
    }
    expect(errorFromVonageStatus({ status: '5', httpStatus: 200 })).toBeInstanceOf(RetryableProviderError);
  });
});

describe('needsUnicode', () => {
  it('accepts the GSM alphabet and its extension table', () => {
    expect(needsUnicode('Hello @ £5, è [ok] {x} ~ € ^|\\')).toBe(false);
  });
  it('flags characters outside it', () => {
    expect(needsUnicode('ç')).toBe(true);
    expect(needsUnicode('日本')).toBe(true);
    expect(needsUnicode('`')).toBe(true);
  });
  it('holds for any printable ASCII except the backtick', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }), (text) => {
        expect(needsUnicode(text)).toBe(text.includes('`'));
      }),
    );
  });
});
