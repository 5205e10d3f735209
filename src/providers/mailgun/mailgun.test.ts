import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { PermanentProviderError, RetryableProviderError } from '../errors.js';
import type { Provider } from '../provider.js';
import { describeProviderConformance, type Scenario, testMessage } from '../testing/conformance.js';
import { type StandInReply, StandInServer } from '../testing/stand-in.js';
import { MailgunProviderFactory, parseMailgunError } from './mailgun.js';

const factory = new MailgunProviderFactory();
const API_KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';

/** Mailgun's documented replies (Messages API reference and its response-codes page). */
function mailgunReply(scenario: Scenario): StandInReply {
  switch (scenario) {
    case 'success':
      return { status: 200, body: { id: '<20300101000000.1.ABCDEF@mg.example.com>', message: 'Queued. Thank you.' } };
    case 'unauthorized':
      // Mailgun answers bad credentials with a bare text body.
      return { status: 401, body: 'Forbidden' };
    case 'invalid_request':
      return { status: 400, body: { message: "'to' parameter is not a valid address. please check documentation" } };
    case 'rate_limited':
      return { status: 429, headers: { 'retry-after': '7' }, body: { message: 'Too many requests' } };
    case 'server_error':
      return { status: 500, body: { message: 'Internal Server Error' } };
    case 'hang':
      return 'hang';
  }
}

describeProviderConformance({
  factory,
  message: () => testMessage({ channel: 'email', to: 'rcpt@example.com' }),
  start: async () => {
    let scenario: Scenario = 'success';
    const stand = await StandInServer.start(() => mailgunReply(scenario));
    return {
      options: { apiKey: API_KEY, domain: 'mg.example.com', from: 'sender@mg.example.com', baseUrl: stand.url, timeoutMs: 5000 },
      secrets: [API_KEY, Buffer.from(`api:${API_KEY}`).toString('base64')],
      use: (next) => {
        scenario = next;
      },
      close: () => stand.close(),
    };
  },
  invalidOptions: [
    { options: { apiKey: 'k' }, path: 'domain' },
    { options: { apiKey: 'k', domain: 'mg.example.com/../v4' }, path: 'domain' },
    { options: { domain: 'mg.example.com' }, path: 'apiKey' },
  ],
  retryAfterMs: 7000,
});

describe('mailgun provider', () => {
  const clock = { now: () => Date.parse('2030-01-01T00:00:00Z') };
  let stand: StandInServer;
  let provider: Provider;

  async function start(reply: StandInReply, options: Record<string, unknown> = {}): Promise<void> {
    stand = await StandInServer.start(() => reply);
    const parsed = factory.optionsSchema.parse({
      apiKey: API_KEY,
      domain: 'mg.example.com',
      from: 'Acme <hello@mg.example.com>',
      baseUrl: stand.url,
      ...options,
    });
    provider = factory.create(parsed, { name: 'mail', logger: silentLogger, clock });
  }

  afterEach(async () => {
    await provider.close?.();
    await stand.close();
  });

  const signal = () => AbortSignal.timeout(2000);

  it('posts the form-encoded Messages request Mailgun documents', async () => {
    await start(mailgunReply('success'));
    const message = testMessage({
      channel: 'email',
      to: 'rcpt@example.com',
      content: { subject: 'Hello & welcome', text: 'Plain body', html: '<p>HTML body</p>' },
      idempotencyKey: 'batch-1:7',
    });
    const result = await provider.send(message, { signal: signal() });
    expect(result).toEqual({ providerMessageId: '<20300101000000.1.ABCDEF@mg.example.com>' });
    const request = stand.last();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v3/mg.example.com/messages');
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`api:${API_KEY}`).toString('base64')}`);
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      from: 'Acme <hello@mg.example.com>',
      to: 'rcpt@example.com',
      subject: 'Hello & welcome',
      text: 'Plain body',
      html: '<p>HTML body</p>',
      'v:missive-message-id': message.id,
      'v:missive-idempotency-key': 'batch-1:7',
    });
  });

  it("uses the message's own from over the configured one, and leaves out an absent html", async () => {
    await start(mailgunReply('success'));
    await provider.send(testMessage({ channel: 'email', to: 'r@example.com', from: 'ops@mg.example.com' }), { signal: signal() });
    const form = new URLSearchParams(stand.last().body);
    expect(form.get('from')).toBe('ops@mg.example.com');
    expect(form.has('html')).toBe(false);
  });

  it('fails permanently, without calling Mailgun, when there is no sender at all', async () => {
    await start(mailgunReply('success'), { from: undefined });
    const error = await provider.send(testMessage({ channel: 'email', to: 'r@example.com' }), { signal: signal() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect((error as PermanentProviderError).vendor.code).toBe('missing_from');
    expect(stand.requests).toHaveLength(0);
  });

  it("keeps Mailgun's message as vendor details", async () => {
    await start(mailgunReply('invalid_request'));
    const error = (await provider.send(testMessage({ channel: 'email', to: 'r@example.com' }), { signal: signal() }).catch((e: unknown) => e)) as PermanentProviderError;
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(error.vendor).toEqual({ status: 400, message: "'to' parameter is not a valid address. please check documentation" });
    expect(error.message).toContain('not a valid address');
  });

  it('never puts the API key in an error, even when the vendor echoes it', async () => {
    await start({ status: 401, body: `Forbidden: ${API_KEY}` });
    const error = (await provider.send(testMessage({ channel: 'email', to: 'r@example.com' }), { signal: signal() }).catch((e: unknown) => e)) as PermanentProviderError;
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(API_KEY);
    expect(error.vendor.message).toBe('Forbidden: [REDACTED]');
  });

  it('treats a dropped connection as retryable', async () => {
    await start('drop');
    const error = await provider.send(testMessage({ channel: 'email', to: 'r@example.com' }), { signal: signal() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableProviderError);
  });
});

describe('parseMailgunError', () => {
  it('reads { message } and falls back to a short text', () => {
    expect(parseMailgunError('{"message":"Domain not found: x"}')).toBe('Domain not found: x');
    expect(parseMailgunError('Forbidden')).toBe('Forbidden');
    expect(parseMailgunError('x'.repeat(500))).toHaveLength(200);
    expect(parseMailgunError('  ')).toBeUndefined();
  });
});
