import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugins } from '../../src/config/plugins.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { describeProviderConformance, type Scenario, testMessage } from '../../src/providers/testing/conformance.js';
import { StandInServer, type StandInReply } from '../../src/providers/testing/stand-in.js';
import { startTestMissive, type TestMissive } from '../support/missive.js';

const PLUGIN = resolve(import.meta.dirname, '../fixtures/plugins/acme-sms.mjs');

const registry = new ProviderRegistry();
await loadPlugins([pathToFileURL(PLUGIN).href], registry);
const factory = registry.get('acme-sms');
if (!factory) throw new Error('the plugin registered no acme-sms factory');

/** Acme's documented answers, as the plugin expects them. */
function acme(scenario: Scenario): StandInReply {
  switch (scenario) {
    case 'success':
      return { status: 200, body: { id: 'acme-1' } };
    case 'unauthorized':
      return { status: 401, body: { code: 'unauthorized', message: 'bad key' } };
    case 'invalid_request':
      return { status: 400, body: { code: 'invalid_to', message: 'not a number' } };
    case 'rate_limited':
      return { status: 429, headers: { 'retry-after': '7' }, body: { code: 'slow_down', message: 'too many' } };
    case 'server_error':
      return { status: 503, body: { code: 'down', message: 'maintenance' } };
    case 'hang':
      return 'hang';
  }
}

describeProviderConformance({
  factory,
  message: () => testMessage({ channel: 'sms', to: '+14155550100', content: { text: 'hi' } }),
  start: async () => {
    const stand = await StandInServer.start(() => acme('success'));
    return {
      options: { apiKey: 'acme-secret-key', baseUrl: stand.url },
      secrets: ['acme-secret-key'],
      use: (scenario) => stand.respond(() => acme(scenario)),
      close: () => stand.close(),
    };
  },
  invalidOptions: [{ options: {}, path: 'apiKey' }],
  retryAfterMs: 7_000,
});

describe('a plugin provider outside src/', () => {
  let stand: StandInServer;
  let missive: TestMissive;

  beforeAll(async () => {
    stand = await StandInServer.start(() => acme('success'));
    missive = await startTestMissive('sqlite', {
      config: { providers: { acme: { type: 'acme-sms', apiKey: 'k-123', baseUrl: stand.url } }, plugins: [PLUGIN] },
    });
  });

  afterAll(async () => {
    await missive?.destroy();
    await stand?.close();
  });

  it('is registered like a built-in and delivers through the worker', async () => {
    const { id } = await (await missive.runtime.producer()).send({ channel: 'sms', to: '+14155550100', text: 'via plugin' });
    await expect.poll(async () => (await missive.runtime.store.getMessage(id))?.status, { timeout: 10_000 }).toBe('delivered');
    expect(await missive.runtime.store.getMessage(id)).toMatchObject({ lastProvider: 'acme', providerMessageId: 'acme-1' });
    const request = stand.last();
    expect(request.headers.authorization).toBe('Bearer k-123');
    expect(request.headers['idempotency-key']).toBe(id);
    expect(JSON.parse(request.body)).toEqual({ to: '+14155550100', text: 'via plugin' });
  });
});

describe('a provider that echoes its secrets in errors', () => {
  it('has them redacted before anyone records or shows the error', async () => {
    const stand = await StandInServer.start(() => ({ status: 400, body: { code: 'bad_key_k-echo-secret', message: 'key k-echo-secret is wrong' } }));
    const missive = await startTestMissive('sqlite', {
      config: { providers: { acme: { type: 'acme-sms', apiKey: 'k-echo-secret', baseUrl: stand.url } }, plugins: [PLUGIN] },
    });
    try {
      const { id } = await (await missive.runtime.producer()).send({ channel: 'sms', to: '+14155550100', text: 'x' });
      await expect.poll(async () => (await missive.runtime.store.getMessage(id))?.status, { timeout: 10_000 }).toBe('failed');
      const record = await missive.runtime.store.getMessage(id);
      expect(JSON.stringify(record?.lastError)).not.toContain('k-echo-secret');
      expect(record?.lastError?.vendorMessage).toBe('key [REDACTED] is wrong');
      expect(JSON.stringify(await missive.runtime.store.getHistory(id))).not.toContain('k-echo-secret');
    } finally {
      await missive.destroy();
      await stand.close();
    }
  });
});
