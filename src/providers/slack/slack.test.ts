import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { PermanentProviderError, RateLimitedProviderError, RetryableProviderError } from '../errors.js';
import type { Provider } from '../provider.js';
import { describeProviderConformance, type Scenario, testMessage } from '../testing/conformance.js';
import { type StandInReply, StandInServer } from '../testing/stand-in.js';
import { errorFromSlack } from './slack-errors.js';
import { type SlackOptions, SlackProviderFactory } from './slack.js';

const factory = new SlackProviderFactory();
const TOKEN = 'xoxb-1111111111-2222222222-s3cr3tT0k3n';
const WEBHOOK_SECRET = 'XXXXXXXXsecretXXXXXXXXXX';
const WEBHOOK_PATH = `/services/T00000000/B00000000/${WEBHOOK_SECRET}`;

/** Incoming webhooks answer `ok`, or an HTTP error status with a plain-text error string. */
function webhookReply(scenario: Scenario): StandInReply {
  switch (scenario) {
    case 'success':
      return { status: 200, body: 'ok' };
    case 'unauthorized':
      return { status: 403, body: 'invalid_token' };
    case 'invalid_request':
      return { status: 400, body: 'invalid_payload' };
    case 'rate_limited':
      return { status: 429, headers: { 'retry-after': '7' }, body: 'rate_limited' };
    case 'server_error':
      return { status: 500, body: 'rollup_error' };
    case 'hang':
      return 'hang';
  }
}

/** chat.postMessage answers HTTP 200 with `{ ok, … }`, and 429 with Retry-After when rate-limited. */
function webApiReply(scenario: Scenario): StandInReply {
  switch (scenario) {
    case 'success':
      return { status: 200, body: { ok: true, channel: 'C123ABC456', ts: '1503435956.000247', message: { text: 'Hello there', type: 'message' } } };
    case 'unauthorized':
      return { status: 200, body: { ok: false, error: 'invalid_auth' } };
    case 'invalid_request':
      return { status: 200, body: { ok: false, error: 'channel_not_found' } };
    case 'rate_limited':
      return { status: 429, headers: { 'retry-after': '7' }, body: { ok: false, error: 'ratelimited' } };
    case 'server_error':
      return { status: 200, body: { ok: false, error: 'internal_error' } };
    case 'hang':
      return 'hang';
  }
}

const chatMessage = () => testMessage({ channel: 'chat', to: '#ops', content: { text: 'Deploy finished' } });
const invalidOptions = [
  { options: {}, path: 'webhookUrl' },
  { options: { webhookUrl: 'https://hooks.example/x', token: TOKEN }, path: 'token' },
  { options: { webhookUrl: 'not a url' }, path: 'webhookUrl' },
  { options: { token: TOKEN, baseUrl: 'ftp://x' }, path: 'baseUrl' },
];

describe('incoming webhook mode', () => {
  describeProviderConformance<SlackOptions>({
    factory,
    message: chatMessage,
    start: async () => {
      const stand = await StandInServer.start();
      return {
        options: { webhookUrl: `${stand.url}${WEBHOOK_PATH}`, baseUrl: 'https://slack.com/api', timeoutMs: 10_000 },
        secrets: [WEBHOOK_SECRET],
        use: (scenario) => stand.respond(() => webhookReply(scenario)),
        close: () => stand.close(),
      };
    },
    invalidOptions,
    retryAfterMs: 7000,
  });
});

describe('Web API mode', () => {
  describeProviderConformance<SlackOptions>({
    factory,
    message: chatMessage,
    start: async () => {
      const stand = await StandInServer.start();
      return {
        options: { token: TOKEN, baseUrl: `${stand.url}/api`, timeoutMs: 10_000 },
        secrets: [TOKEN],
        use: (scenario) => stand.respond(() => webApiReply(scenario)),
        close: () => stand.close(),
      };
    },
    invalidOptions,
    retryAfterMs: 7000,
  });
});

describe('slack provider', () => {
  let stand: StandInServer;
  const clock = { now: () => 0 };
  const signal = () => AbortSignal.timeout(5000);

  beforeEach(async () => {
    stand = await StandInServer.start();
  });
  afterEach(() => stand.close());

  function provider(options: Record<string, unknown>): Provider {
    return factory.create(factory.optionsSchema.parse(options), { name: 'chat', logger: silentLogger, clock });
  }
  const webhook = (extra: Record<string, unknown> = {}) => provider({ webhookUrl: `${stand.url}${WEBHOOK_PATH}`, ...extra });
  const webApi = (extra: Record<string, unknown> = {}) => provider({ token: TOKEN, baseUrl: `${stand.url}/api/`, ...extra });
  const failure = (p: Provider) => p.send(chatMessage(), { signal: signal() }).catch((e: unknown) => e);

  describe('incoming webhook mode', () => {
    it('posts { text } to the webhook URL and returns a generated id', async () => {
      stand.respond(() => webhookReply('success'));
      const result = await webhook().send(chatMessage(), { signal: signal() });
      expect(result).toEqual({ providerMessageId: 'slack-webhook-01JTESTMESSAGE0000000000000-1' });
      const request = stand.last();
      expect(request.method).toBe('POST');
      expect(request.url).toBe(WEBHOOK_PATH);
      expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(request.headers.authorization).toBeUndefined();
      expect(JSON.parse(request.body)).toEqual({ text: 'Deploy finished' });
    });

    it('carries the plain-text error and keeps the webhook URL out of it', async () => {
      stand.respond(() => ({ status: 404, body: 'channel_not_found' }));
      const error = (await failure(webhook())) as PermanentProviderError;
      expect(error).toBeInstanceOf(PermanentProviderError);
      expect(error.vendor).toEqual({ status: 404, code: 'channel_not_found', message: 'channel_not_found' });
      expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(WEBHOOK_SECRET);
    });

    it('keeps the webhook URL out of network errors', async () => {
      const closed = await StandInServer.start();
      const url = `${closed.url}${WEBHOOK_PATH}`;
      await closed.close();
      const error = (await failure(provider({ webhookUrl: url }))) as RetryableProviderError;
      expect(error).toBeInstanceOf(RetryableProviderError);
      expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(WEBHOOK_SECRET);
    });
  });

  describe('Web API mode', () => {
    it('posts channel and text with the bearer token and returns the ts', async () => {
      stand.respond(() => webApiReply('success'));
      const result = await webApi({ from: 'Deploy bot' }).send(chatMessage(), { signal: signal() });
      expect(result).toEqual({ providerMessageId: '1503435956.000247' });
      const request = stand.last();
      expect(request.method).toBe('POST');
      expect(request.url).toBe('/api/chat.postMessage');
      expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(request.body)).toEqual({ channel: '#ops', text: 'Deploy finished', username: 'Deploy bot' });
    });

    it("lets the message's from override the configured name", async () => {
      stand.respond(() => webApiReply('success'));
      await webApi({ from: 'Deploy bot' }).send({ ...chatMessage(), from: 'Release train' }, { signal: signal() });
      expect(JSON.parse(stand.last().body)).toMatchObject({ username: 'Release train' });
    });

    it('maps ok:false ratelimited in a 200 answer to rate-limited', async () => {
      stand.respond(() => ({ status: 200, headers: { 'retry-after': '2' }, body: { ok: false, error: 'ratelimited' } }));
      const error = await failure(webApi());
      expect(error).toBeInstanceOf(RateLimitedProviderError);
      expect((error as RateLimitedProviderError).retryAfterMs).toBe(2000);
    });

    it('treats an HTTP 503 as retryable and an answer without ts as unexpected', async () => {
      stand.respond(() => ({ status: 503, body: '<html>down</html>' }));
      expect(await failure(webApi())).toBeInstanceOf(RetryableProviderError);
      stand.respond(() => ({ status: 200, body: { ok: true } }));
      const error = (await failure(webApi())) as PermanentProviderError;
      expect(error.vendor.code).toBe('unexpected_response');
    });

    it('keeps the token out of errors', async () => {
      stand.respond(() => webApiReply('unauthorized'));
      const error = (await failure(webApi())) as PermanentProviderError;
      expect(error.vendor).toEqual({ status: 200, code: 'invalid_auth', message: 'invalid_auth' });
      expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(TOKEN);
    });
  });
});

describe('errorFromSlack', () => {
  const kind = (error: string) => errorFromSlack({ error, httpStatus: 200 }).kind;
  it('maps the documented error strings', () => {
    for (const error of ['ratelimited', 'rate_limited', 'message_limit_exceeded']) expect(kind(error), error).toBe('rate_limited');
    for (const error of ['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']) expect(kind(error), error).toBe('retryable');
    for (const error of ['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'missing_scope', 'channel_not_found', 'is_archived', 'msg_too_long', 'no_text', 'something_new']) {
      expect(kind(error), error).toBe('permanent');
    }
  });
});
