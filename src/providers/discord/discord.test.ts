import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { PermanentProviderError, RateLimitedProviderError, RetryableProviderError } from '../errors.js';
import type { Provider } from '../provider.js';
import { describeProviderConformance, type Scenario, testMessage } from '../testing/conformance.js';
import { type StandInReply, StandInServer } from '../testing/stand-in.js';
import { DISCORD_MAX_CONTENT, type DiscordOptions, DiscordProviderFactory } from './discord.js';

const factory = new DiscordProviderFactory();
const WEBHOOK_TOKEN = 'd1sc0rdW3bh00kT0k3n-s3cr3t';
const WEBHOOK_PATH = `/api/webhooks/223704706495545344/${WEBHOOK_TOKEN}`;

/** Discord's documented answers for Execute Webhook. */
function discordReply(scenario: Scenario): StandInReply {
  switch (scenario) {
    case 'success':
      return { status: 200, body: { id: '1234567890123456789', type: 0, content: 'Deploy finished', channel_id: '41771983423143937', webhook_id: '223704706495545344' } };
    case 'unauthorized':
      return { status: 401, body: { message: 'Invalid Webhook Token', code: 50027 } };
    case 'invalid_request':
      return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
    case 'rate_limited':
      return { status: 429, headers: { 'retry-after': '7' }, body: { message: 'You are being rate limited.', retry_after: 7, global: false } };
    case 'server_error':
      return { status: 502, body: '<html>502 Bad Gateway</html>' };
    case 'hang':
      return 'hang';
  }
}

const chatMessage = () => testMessage({ channel: 'chat', to: '#deploys', content: { text: 'Deploy finished' } });

describeProviderConformance<DiscordOptions>({
  factory,
  message: chatMessage,
  start: async () => {
    const stand = await StandInServer.start();
    return {
      options: { webhookUrl: `${stand.url}${WEBHOOK_PATH}`, timeoutMs: 10_000 },
      secrets: [WEBHOOK_TOKEN],
      use: (scenario) => stand.respond(() => discordReply(scenario)),
      close: () => stand.close(),
    };
  },
  invalidOptions: [
    { options: {}, path: 'webhookUrl' },
    { options: { webhookUrl: 'discord.com/api/webhooks/1/x' }, path: 'webhookUrl' },
    { options: { webhookUrl: 'https://discord.com/api/webhooks/1/x', from: '' }, path: 'from' },
  ],
  retryAfterMs: 7000,
});

describe('discord provider', () => {
  let stand: StandInServer;
  const clock = { now: () => 0 };
  const signal = () => AbortSignal.timeout(5000);

  beforeEach(async () => {
    stand = await StandInServer.start(() => discordReply('success'));
  });
  afterEach(() => stand.close());

  function provider(options: Record<string, unknown> = {}): Provider {
    const parsed = factory.optionsSchema.parse({ webhookUrl: `${stand.url}${WEBHOOK_PATH}`, ...options });
    return factory.create(parsed, { name: 'chat', logger: silentLogger, clock });
  }
  const failure = (p: Provider, text = 'Deploy finished') =>
    p.send({ ...chatMessage(), content: { text } }, { signal: signal() }).catch((e: unknown) => e);

  it('executes the webhook with wait=true and returns the message id', async () => {
    const result = await provider({ from: 'Deploy bot' }).send(chatMessage(), { signal: signal() });
    expect(result).toEqual({ providerMessageId: '1234567890123456789' });
    const request = stand.last();
    expect(request.method).toBe('POST');
    expect(request.url).toBe(`${WEBHOOK_PATH}?wait=true`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({ content: 'Deploy finished', username: 'Deploy bot' });
  });

  it("keeps the webhook URL's own query and lets the message's from win", async () => {
    const p = provider({ webhookUrl: `${stand.url}${WEBHOOK_PATH}?thread_id=42`, from: 'Deploy bot' });
    await p.send({ ...chatMessage(), from: 'Release train' }, { signal: signal() });
    expect(stand.last().url).toBe(`${WEBHOOK_PATH}?thread_id=42&wait=true`);
    expect(JSON.parse(stand.last().body)).toMatchObject({ username: 'Release train' });
  });

  it('sends to baseUrl instead of the webhook origin when given', async () => {
    const p = provider({ webhookUrl: `https://discord.com${WEBHOOK_PATH}`, baseUrl: stand.url });
    await p.send(chatMessage(), { signal: signal() });
    expect(stand.last().url).toBe(`${WEBHOOK_PATH}?wait=true`);
  });

  it('accepts a 204 with a generated id', async () => {
    stand.respond(() => ({ status: 204 }));
    const result = await provider().send(chatMessage(), { signal: signal() });
    expect(result.providerMessageId).toBe('discord-01JTESTMESSAGE0000000000000-1');
  });

  it('refuses text over 2000 characters without calling Discord', async () => {
    const error = await failure(provider(), '😀'.repeat(DISCORD_MAX_CONTENT + 1));
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect((error as PermanentProviderError).vendor.code).toBe('content_too_long');
    expect(stand.requests).toHaveLength(0);
    // Characters, not UTF-16 units: 2000 emoji fit.
    await provider().send({ ...chatMessage(), content: { text: '😀'.repeat(DISCORD_MAX_CONTENT) } }, { signal: signal() });
    expect(stand.requests).toHaveLength(1);
  });

  it("prefers the body's precise retry_after over the header", async () => {
    stand.respond(() => ({ status: 429, headers: { 'retry-after': '2' }, body: { message: 'You are being rate limited.', retry_after: 1.337, global: true } }));
    const error = await failure(provider());
    expect(error).toBeInstanceOf(RateLimitedProviderError);
    expect((error as RateLimitedProviderError).retryAfterMs).toBe(1337);
  });

  it('carries the error code and keeps the token out of errors', async () => {
    stand.respond(() => discordReply('invalid_request'));
    const error = (await failure(provider())) as PermanentProviderError;
    expect(error.vendor).toEqual({ status: 404, code: '10015', message: 'Unknown Webhook' });
    stand.respond(() => discordReply('unauthorized'));
    const unauthorized = (await failure(provider())) as PermanentProviderError;
    expect(unauthorized).toBeInstanceOf(PermanentProviderError);
    for (const e of [error, unauthorized]) expect(`${e.message} ${JSON.stringify(e)}`).not.toContain(WEBHOOK_TOKEN);
  });

  it('keeps the token out of network errors', async () => {
    const closed = await StandInServer.start();
    const url = `${closed.url}${WEBHOOK_PATH}`;
    await closed.close();
    const error = (await failure(provider({ webhookUrl: url }))) as RetryableProviderError;
    expect(error).toBeInstanceOf(RetryableProviderError);
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(WEBHOOK_TOKEN);
  });
});
