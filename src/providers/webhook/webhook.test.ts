import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { PermanentProviderError, RateLimitedProviderError, RetryableProviderError } from '../errors.js';
import type { OutgoingMessage, Provider, ProviderFactory } from '../provider.js';
import { validateOptions } from '../registry.js';
import { describeProviderConformance, type Scenario, testMessage } from '../testing/conformance.js';
import { type RecordedRequest, type StandInReply, StandInServer } from '../testing/stand-in.js';
import type { HostResolver } from './address-guard.js';
import { type WebhookOptions, WebhookProviderFactory } from './webhook.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** A receiver's answers: it may say anything, so these are the plain HTTP conventions. */
function receiverReply(scenario: Scenario): StandInReply {
  switch (scenario) {
    case 'success':
      return { status: 204 };
    case 'unauthorized':
      return { status: 401, body: { error: 'invalid signature' } };
    case 'invalid_request':
      return { status: 422, body: { error: 'unknown event' } };
    case 'rate_limited':
      return { status: 429, headers: { 'retry-after': '7' }, body: 'slow down' };
    case 'server_error':
      return { status: 503, body: 'Service Unavailable' };
    case 'hang':
      return 'hang';
  }
}

let receiverUrl = '';
describeProviderConformance<WebhookOptions>({
  factory: new WebhookProviderFactory(),
  message: () => testMessage({ channel: 'webhook', to: `${receiverUrl}/hooks/orders`, content: { data: { order: 42 } } }),
  start: async () => {
    const stand = await StandInServer.start();
    receiverUrl = stand.url;
    return {
      options: { secret: SECRET, allowPrivateNetworks: true, timeoutMs: 10_000, headers: {} },
      secrets: [SECRET, SECRET.slice('whsec_'.length)],
      use: (scenario) => stand.respond(() => receiverReply(scenario)),
      close: () => stand.close(),
    };
  },
  invalidOptions: [
    { options: {}, path: 'secret' },
    { options: { secret: 'whsec_not base64' }, path: 'secret' },
    { options: { secret: SECRET, timeoutMs: -1 }, path: 'timeoutMs' },
    { options: { secret: SECRET, allowPrivateNetworks: 'yes' }, path: 'allowPrivateNetworks' },
    { options: { secret: SECRET, headers: { 'Webhook-Signature': 'forged' } }, path: 'headers.Webhook-Signature' },
    { options: { secret: SECRET, headers: { 'bad name': 'x' } }, path: 'headers["bad name"]' },
  ],
  retryAfterMs: 7000,
});

/** An independent Standard Webhooks verifier, as a receiver would write it. */
function verifySignature(request: RecordedRequest, secret: string): boolean {
  const id = request.headers['webhook-id'];
  const timestamp = request.headers['webhook-timestamp'];
  const signatures = request.headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${request.body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, encoded] = entry.split(',');
    const given = Buffer.from(encoded ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

describe('webhook provider', () => {
  let stand: StandInServer;
  let provider: Provider | undefined;
  const clock = { now: () => Date.parse('2030-01-02T03:04:05.678Z') };
  const signal = () => AbortSignal.timeout(5000);

  beforeEach(async () => {
    stand = await StandInServer.start(() => ({ status: 200, body: 'ok' }));
  });
  afterEach(async () => {
    await provider?.close?.();
    provider = undefined;
    await stand.close();
  });

  async function create(options: Record<string, unknown>, resolveHost?: HostResolver): Promise<Provider> {
    const factory = new WebhookProviderFactory(resolveHost ? { resolveHost } : {});
    const validated = await validateOptions(factory as ProviderFactory, { secret: SECRET, ...options }, 'providers.hooks');
    if ('issues' in validated) throw new Error(JSON.stringify(validated.issues));
    provider = factory.create(validated.value as WebhookOptions, { name: 'hooks', logger: silentLogger, clock });
    return provider;
  }

  const message = (to: string, overrides: Partial<OutgoingMessage> = {}) =>
    testMessage({ channel: 'webhook', to, content: { data: { event: 'order.paid', total: 12.5, items: ['a'] } }, ...overrides });

  const failure = async (p: Provider, to: string) => p.send(message(to), { signal: signal() }).catch((e: unknown) => e);

  it('posts the data as JSON with Standard Webhooks headers a receiver can verify', async () => {
    const p = await create({ allowPrivateNetworks: true, headers: { 'X-Tenant': 'acme' } });
    const result = await p.send(message(`${stand.url}/hooks/orders?x=1`), { signal: signal() });
    expect(result).toEqual({ providerMessageId: '01JTESTMESSAGE0000000000000' });
    const request = stand.last();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/hooks/orders?x=1');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['webhook-id']).toBe('01JTESTMESSAGE0000000000000');
    expect(request.headers['webhook-timestamp']).toBe('1893553445');
    expect(request.headers['x-tenant']).toBe('acme');
    expect(JSON.parse(request.body)).toEqual({ event: 'order.paid', total: 12.5, items: ['a'] });
    expect(verifySignature(request, SECRET)).toBe(true);
    expect(verifySignature(request, 'whsec_AAAAAAAAAAAAAAAAAAAAAAAA')).toBe(false);
  });

  it('keys with the raw bytes of a secret without the whsec_ prefix', async () => {
    const p = await create({ secret: 'plain-shared-secret', allowPrivateNetworks: true });
    await p.send(message(`${stand.url}/h`), { signal: signal() });
    const request = stand.last();
    const expected = createHmac('sha256', 'plain-shared-secret')
      .update(`${String(request.headers['webhook-id'])}.${String(request.headers['webhook-timestamp'])}.${request.body}`)
      .digest('base64');
    expect(request.headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  describe('refuses non-public targets', () => {
    const literals = [
      'http://127.0.0.1/',
      'http://127.1.2.3:8080/',
      'http://[::1]/',
      'http://10.0.0.5/',
      'http://172.16.0.1/',
      'http://172.31.255.254/',
      'http://192.168.1.1/',
      'http://[fd00::1]/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fe80::1]/',
      'http://0.0.0.0/',
      'http://[::]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:10.0.0.1]/',
      'http://[::ffff:169.254.169.254]/',
      'http://100.64.0.1/',
      'http://0x7f.1/',
      'http://2130706433/',
    ];
    for (const url of literals) {
      it(`as a literal: ${url}`, async () => {
        const error = await failure(await create({}), url);
        expect(error).toBeInstanceOf(PermanentProviderError);
        expect((error as PermanentProviderError).vendor.code).toBe('private_address');
      });
    }

    const resolved: [string, string][] = [
      ['loopback', '127.0.0.1'],
      ['IPv6 loopback', '::1'],
      ['private', '10.1.2.3'],
      ['private 172.16/12', '172.20.0.1'],
      ['private 192.168/16', '192.168.0.10'],
      ['unique local', 'fd12::1'],
      ['link-local', '169.254.169.254'],
      ['IPv6 link-local', 'fe80::abcd'],
      ['unspecified', '0.0.0.0'],
      ['IPv6 unspecified', '::'],
      ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
      ['CGNAT', '100.100.100.100'],
    ];
    for (const [kind, address] of resolved) {
      it(`through DNS: ${kind} (${address})`, async () => {
        const resolveHost: HostResolver = async () => [{ address, family: address.includes(':') ? 6 : 4 }];
        const port = new URL(stand.url).port;
        const error = await failure(await create({}, resolveHost), `http://hooks.example.test:${port}/h`);
        expect(error).toBeInstanceOf(PermanentProviderError);
        expect((error as PermanentProviderError).vendor.code).toBe('private_address');
        expect(stand.requests).toHaveLength(0);
      });
    }

    it('resolves only once, at connect time, so no rebinding can happen between a check and the connection', async () => {
      let calls = 0;
      const resolveHost: HostResolver = async () => {
        calls += 1;
        return [{ address: '127.0.0.1', family: 4 }];
      };
      const port = new URL(stand.url).port;
      const error = await failure(await create({}, resolveHost), `http://rebind.example.test:${port}/h`);
      expect((error as PermanentProviderError).vendor.code).toBe('private_address');
      expect(calls).toBe(1);
      expect(stand.requests).toHaveLength(0);
    });

    it('refuses localhost through the system resolver', async () => {
      const error = await failure(await create({}), `http://localhost:${new URL(stand.url).port}/h`);
      expect(error).toBeInstanceOf(PermanentProviderError);
      expect((error as PermanentProviderError).vendor.code).toBe('private_address');
      expect(stand.requests).toHaveLength(0);
    });

    it('connects to private addresses when allowPrivateNetworks is set', async () => {
      const resolveHost: HostResolver = async () => [{ address: '127.0.0.1', family: 4 }];
      const p = await create({ allowPrivateNetworks: true }, resolveHost);
      const port = new URL(stand.url).port;
      await p.send(message(`http://hooks.example.test:${port}/h`), { signal: signal() });
      expect(stand.last().headers.host).toBe(`hooks.example.test:${port}`);
    });
  });

  it('does not follow a redirect', async () => {
    stand.respond(() => ({ status: 302, headers: { location: 'http://169.254.169.254/latest' } }));
    const error = await failure(await create({ allowPrivateNetworks: true }), `${stand.url}/h`);
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect((error as PermanentProviderError).vendor).toMatchObject({ status: 302, code: 'redirect' });
    expect((error as Error).message).toContain('http://169.254.169.254/latest');
    expect(stand.requests).toHaveLength(1);
  });

  it('maps 410 Gone to permanent and 429 to rate-limited with Retry-After', async () => {
    const p = await create({ allowPrivateNetworks: true });
    stand.respond(() => ({ status: 410, body: 'gone' }));
    expect(await failure(p, `${stand.url}/h`)).toBeInstanceOf(PermanentProviderError);
    stand.respond(() => ({ status: 429, headers: { 'retry-after': '3' } }));
    const limited = await failure(p, `${stand.url}/h`);
    expect(limited).toBeInstanceOf(RateLimitedProviderError);
    expect((limited as RateLimitedProviderError).retryAfterMs).toBe(3000);
  });

  it('gives up on a hung receiver after timeoutMs', async () => {
    stand.respond(() => 'hang');
    const started = Date.now();
    const error = await failure(await create({ allowPrivateNetworks: true, timeoutMs: 100 }), `${stand.url}/h`);
    expect(error).toBeInstanceOf(RetryableProviderError);
    expect((error as RetryableProviderError).vendor.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('keeps the secret and the target path out of errors', async () => {
    stand.respond(() => ({ status: 500, body: 'boom' }));
    const error = (await failure(await create({ allowPrivateNetworks: true }), `${stand.url}/hooks/t0k3n-in-path`)) as Error;
    const text = `${error.message} ${JSON.stringify(error)}`;
    expect(text).toContain(stand.url);
    expect(text).not.toContain('t0k3n-in-path');
    expect(text).not.toContain(SECRET.slice('whsec_'.length));
  });

  it('refuses a target that is not http(s)', async () => {
    const error = await failure(await create({}), 'ftp://example.com/x');
    expect((error as PermanentProviderError).vendor.code).toBe('invalid_url');
  });
});
