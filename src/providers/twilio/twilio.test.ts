import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { PermanentProviderError, RateLimitedProviderError } from '../errors.js';
import type { Provider } from '../provider.js';
import { describeProviderConformance, type Scenario, testMessage } from '../testing/conformance.js';
import { type StandInReply, StandInServer } from '../testing/stand-in.js';
import { type TwilioOptions, TwilioProviderFactory } from './twilio.js';

const factory = new TwilioProviderFactory();
const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'twilio-auth-token-s3cr3t';
const MESSAGE_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;

/** Twilio's documented answers (Message resource on 201; `{ code, message, more_info, status }` otherwise). */
function twilioReply(scenario: Scenario): StandInReply {
  const failure = (status: number, code: number, message: string, headers?: Record<string, string>): StandInReply => ({
    status,
    ...(headers && { headers }),
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  });
  switch (scenario) {
    case 'success':
      return { status: 201, body: { sid: 'SM1f0e8ae6ade43cb3c0ce4525424e404f', status: 'queued', to: '+14155550100' } };
    case 'unauthorized':
      return failure(401, 20003, 'Authenticate');
    case 'invalid_request':
      return failure(400, 21211, "The 'To' number +1415 is not a valid phone number.");
    case 'rate_limited':
      return failure(429, 20429, 'Too Many Requests', { 'retry-after': '7' });
    case 'server_error':
      return failure(500, 20500, 'Internal Server Error');
    case 'hang':
      return 'hang';
  }
}

async function startTwilio(): Promise<{ stand: StandInServer; use(scenario: Scenario): void }> {
  const stand = await StandInServer.start();
  return { stand, use: (scenario) => stand.respond(() => twilioReply(scenario)) };
}

describeProviderConformance<TwilioOptions>({
  factory,
  message: () => testMessage({ channel: 'sms', to: '+14155550100', content: { text: 'Your code is 1234' } }),
  start: async () => {
    const { stand, use } = await startTwilio();
    return {
      options: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: '+14155550199', baseUrl: stand.url, timeoutMs: 10_000 },
      secrets: [AUTH_TOKEN, Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')],
      use,
      close: () => stand.close(),
    };
  },
  invalidOptions: [
    { options: { authToken: AUTH_TOKEN }, path: 'accountSid' },
    { options: { accountSid: 'not-a-sid', authToken: AUTH_TOKEN }, path: 'accountSid' },
    { options: { accountSid: ACCOUNT_SID }, path: 'authToken' },
    { options: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: 'ftp://x' }, path: 'baseUrl' },
    { options: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, timeoutMs: 0 }, path: 'timeoutMs' },
  ],
  retryAfterMs: 7000,
});

describe('twilio provider', () => {
  let stand: StandInServer;
  let use: (scenario: Scenario) => void;
  const clock = { now: () => 0 };
  const signal = () => AbortSignal.timeout(5000);

  beforeEach(async () => {
    ({ stand, use } = await startTwilio());
  });
  afterEach(() => stand.close());

  function provider(overrides: Partial<TwilioOptions> = {}): Provider {
    const options = factory.optionsSchema.parse({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: stand.url, ...overrides });
    return factory.create(options, { name: 'sms', logger: silentLogger, clock });
  }

  it('posts the documented form with basic auth and returns the sid', async () => {
    use('success');
    const result = await provider({ from: '+14155550199' }).send(
      testMessage({ channel: 'sms', to: '+14155550100', content: { text: 'Héllo & goodbye' } }),
      { signal: signal() },
    );
    expect(result).toEqual({ providerMessageId: 'SM1f0e8ae6ade43cb3c0ce4525424e404f' });
    const request = stand.last();
    expect(request.method).toBe('POST');
    expect(request.url).toBe(MESSAGE_PATH);
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      To: '+14155550100',
      Body: 'Héllo & goodbye',
      From: '+14155550199',
    });
  });

  it("lets the message's from override the configured one", async () => {
    use('success');
    await provider({ from: '+14155550199' }).send(testMessage({ channel: 'sms', to: '+14155550100', from: 'ACME' }), {
      signal: signal(),
    });
    expect(new URLSearchParams(stand.last().body).get('From')).toBe('ACME');
  });

  it('sends through a messaging service when one is configured', async () => {
    use('success');
    const sid = 'MG0123456789abcdef0123456789abcdef';
    await provider({ messagingServiceSid: sid }).send(testMessage({ channel: 'sms', to: '+14155550100' }), { signal: signal() });
    const form = new URLSearchParams(stand.last().body);
    expect(form.get('MessagingServiceSid')).toBe(sid);
    expect(form.has('From')).toBe(false);
  });

  it('refuses a message without any sender before calling Twilio', async () => {
    const error = await provider()
      .send(testMessage({ channel: 'sms', to: '+14155550100' }), { signal: signal() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect((error as PermanentProviderError).vendor.code).toBe('missing_from');
    expect(stand.requests).toHaveLength(0);
  });

  it("carries Twilio's error code and message, and never the token", async () => {
    use('invalid_request');
    const error = (await provider({ from: '+14155550199' })
      .send(testMessage({ channel: 'sms', to: '+14155550100' }), { signal: signal() })
      .catch((e: unknown) => e)) as PermanentProviderError;
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(error.vendor).toEqual({ status: 400, code: '21211', message: "The 'To' number +1415 is not a valid phone number." });
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(AUTH_TOKEN);
  });

  it('maps 20429 to rate-limited', async () => {
    use('rate_limited');
    const error = await provider({ from: '+1' })
      .send(testMessage({ channel: 'sms', to: '+14155550100' }), { signal: signal() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedProviderError);
    expect((error as RateLimitedProviderError).vendor.code).toBe('20429');
  });

  it('treats a 2xx without a sid as a permanent unexpected response', async () => {
    stand.respond(() => ({ status: 200, body: '<html>not twilio</html>' }));
    const error = await provider({ from: '+1' })
      .send(testMessage({ channel: 'sms', to: '+14155550100' }), { signal: signal() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect((error as PermanentProviderError).vendor.code).toBe('unexpected_response');
  });

  it('tolerates a trailing slash on baseUrl', async () => {
    use('success');
    await provider({ from: '+1', baseUrl: `${stand.url}/` }).send(testMessage({ channel: 'sms', to: '+14155550100' }), {
      signal: signal(),
    });
    expect(stand.last().url).toBe(MESSAGE_PATH);
  });
});
