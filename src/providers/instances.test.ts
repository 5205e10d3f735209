import { describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { ConfigError, type Issue } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { createBuiltinRegistry } from './builtins.js';
import { type ProvidersConfig, ProviderSet } from './instances.js';
import type { ProviderRegistry } from './registry.js';
import { testMessage } from './testing/conformance.js';
import { CredentialFactory } from './testing/fake-factory.js';

const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const deps = { logger: silentLogger, clock: systemClock };

function registry(): ProviderRegistry {
  return createBuiltinRegistry().register(new CredentialFactory());
}

function build(config: Partial<ProvidersConfig>): Promise<ProviderSet> {
  return ProviderSet.build(registry(), { providers: {}, channels: {}, ...config }, deps);
}

async function issuesOf(config: Partial<ProvidersConfig>): Promise<readonly Issue[]> {
  const error = await build(config).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).issues;
}

describe('ProviderSet.build', () => {
  it('names providers.X.type for an unknown type, listing the known ones', async () => {
    const issues = await issuesOf({ providers: { mail: { type: 'sendgird', apiKey: 'k' } } });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'providers.mail.type', rule: 'unknown_type' });
    expect(issues[0]?.message).toContain('"sendgird"');
    expect(issues[0]?.message).toContain('sendgrid');
    expect(issues[0]?.message).toContain('credentialed');
  });

  it("names each bad option with the instance's path", async () => {
    const issues = await issuesOf({ providers: { mail: { type: 'sendgrid', from: 'me@example.com', colour: 'red' } } });
    expect(issues.map((i) => i.path).sort()).toEqual(['providers.mail.apiKey', 'providers.mail.colour']);
  });

  it('names channels.C.providers[i] when it names no configured provider', async () => {
    const issues = await issuesOf({
      providers: { inbox: { type: 'outbox', path: '/tmp/x.jsonl' } },
      channels: { email: { providers: ['inbox', 'nosuch'] } },
    });
    expect(issues).toEqual([expect.objectContaining({ path: 'channels.email.providers[1]', rule: 'unknown_provider' })]);
    expect(issues[0]?.message).toContain('"nosuch"');
  });

  it('names channels.C.providers[i] when that provider cannot send the channel', async () => {
    const issues = await issuesOf({
      providers: { hooks: { type: 'webhook', secret: WEBHOOK_SECRET }, inbox: { type: 'outbox', path: '/tmp/x.jsonl' } },
      channels: { sms: { providers: ['inbox', 'hooks'] } },
    });
    expect(issues).toEqual([expect.objectContaining({ path: 'channels.sms.providers[1]', rule: 'channel_mismatch' })]);
    expect(issues[0]?.message).toContain('webhook');
  });

  it('reports every problem at once', async () => {
    const issues = await issuesOf({
      providers: { a: { type: 'nope' }, b: { type: 'log', extra: 1 } },
      channels: { chat: { providers: ['c'] } },
    });
    expect(issues.map((i) => i.path).sort()).toEqual(['channels.chat.providers[0]', 'providers.a.type', 'providers.b.extra']);
  });
});

describe('the channel order and candidates', () => {
  const providers = {
    inbox: { type: 'outbox', path: '/tmp/missive-instances-test.jsonl' },
    texts: { type: 'credentialed', credential: 'cred-1' },
    logs: { type: 'log' },
    hooks: { type: 'webhook', secret: WEBHOOK_SECRET },
  };

  it('serves an unlisted channel by every instance able to, in configuration order', async () => {
    const set = await build({ providers, channels: { email: { providers: ['logs'] } } });
    expect(set.channelProviders('email')).toEqual(['logs']);
    expect(set.channelProviders('sms')).toEqual(['inbox', 'texts', 'logs']);
    expect(set.channelProviders('webhook')).toEqual(['inbox', 'logs', 'hooks']);
    expect(set.channelProviders('chat')).toEqual(['inbox', 'logs']);
    expect(set.get('inbox')?.channels).toEqual(['sms', 'webhook', 'chat']);
    expect(set.get('logs')?.channels).toEqual(['email', 'sms', 'webhook', 'chat']);
    expect(set.get('hooks')?.channels).toEqual(['webhook']);
  });

  it('tries the named provider alone, else the channel order; nothing when it cannot send', async () => {
    const set = await build({ providers, channels: { sms: { providers: ['texts', 'inbox'] } } });
    expect(set.candidates('sms').map((i) => i.name)).toEqual(['texts', 'inbox']);
    expect(set.candidates('sms', 'logs').map((i) => i.name)).toEqual(['logs']);
    expect(set.candidates('sms', 'hooks')).toEqual([]);
    expect(set.candidates('sms', 'nosuch')).toEqual([]);
    const smsOnly = await build({ providers: { texts: providers.texts } });
    expect(smsOnly.candidates('email')).toEqual([]);
  });

  it('lists every registered type, configured or not', async () => {
    const set = await build({ providers: { logs: { type: 'log' } } });
    const types = set.types().map((factory) => factory.type);
    expect(types).toEqual(expect.arrayContaining(['outbox', 'log', 'smtp', 'sendgrid', 'webhook', 'discord', 'credentialed']));
    expect(types).toHaveLength(12);
  });
});

describe('secrets of the instances', () => {
  it('redacts credential headers of a webhook in the view and counts them as secrets; other headers are neither', async () => {
    const set = await build({
      providers: {
        hooks: {
          type: 'webhook',
          secret: WEBHOOK_SECRET,
          headers: { Authorization: 'Bearer hdr-secret-123', 'X-Api-Key': 'key-456', 'X-Auth-Token': 'tok-789', 'X-Team': 'ops' },
        },
      },
    });
    const hooks = set.get('hooks');
    expect(hooks?.redactedOptions).toEqual({
      secret: '[REDACTED]',
      headers: { Authorization: '[REDACTED]', 'X-Api-Key': '[REDACTED]', 'X-Auth-Token': '[REDACTED]', 'X-Team': 'ops' },
    });
    expect(set.secrets()).toEqual(expect.arrayContaining([WEBHOOK_SECRET, 'Bearer hdr-secret-123', 'key-456', 'tok-789']));
    expect(set.secrets()).not.toContain('ops');
  });

  it("takes a plugin's declared secret options, and masks URL passwords", async () => {
    const set = await build({
      providers: { texts: { type: 'credentialed', credential: 'plugin-cred-456', baseUrl: 'https://user:url-pass-789@vendor.example/' } },
    });
    expect(set.get('texts')?.redactedOptions).toEqual({ credential: '[REDACTED]', baseUrl: 'https://user:***@vendor.example/' });
    expect(set.secrets()).toEqual(expect.arrayContaining(['plugin-cred-456', 'url-pass-789']));
  });

  it('scrubs them from the errors a provider throws', async () => {
    const set = await build({
      providers: { texts: { type: 'credentialed', credential: 'plugin-cred-456', baseUrl: 'https://user:url-pass-789@vendor.example/' } },
    });
    const provider = set.get('texts')?.provider;
    const error = await provider?.send(testMessage({ channel: 'sms', to: '+14155550100' }), { signal: AbortSignal.timeout(1000) }).catch((e: unknown) => e);
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain('plugin-cred-456');
    expect(text).not.toContain('url-pass-789');
  });
});
