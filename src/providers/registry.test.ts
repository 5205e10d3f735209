import { describe, expect, it } from 'vitest';
import type { StandardSchemaV1 } from '../core/standard-schema.js';
import { builtinFactories, createBuiltinRegistry } from './builtins.js';
import type { ProviderFactory } from './provider.js';
import { checkFactory, ProviderRegistry, validateOptions } from './registry.js';
import { CredentialFactory } from './testing/fake-factory.js';

/** A hand-written Standard Schema, as a plugin without zod might write one. */
const handWritten: StandardSchemaV1<unknown, { region: string }> = {
  '~standard': {
    version: 1,
    vendor: 'by-hand',
    validate: (value) => {
      const region = (value as { region?: unknown }).region;
      if (typeof region === 'string') return { value: { region } };
      return { issues: [{ message: region === undefined ? 'Required' : 'Expected a string', path: [{ key: 'region' }] }] };
    },
  },
};

describe('ProviderRegistry', () => {
  it('registers factories and finds them by type, in registration order', () => {
    const registry = new ProviderRegistry().register(new CredentialFactory('first')).register(new CredentialFactory('second'));
    expect(registry.get('second')?.type).toBe('second');
    expect(registry.get('third')).toBeUndefined();
    expect(registry.list().map((f) => f.type)).toEqual(['first', 'second']);
  });

  it('refuses a second factory for the same type, keeping the first', () => {
    const first = new CredentialFactory('dup');
    const registry = new ProviderRegistry().register(first);
    expect(() => registry.register(new CredentialFactory('dup'))).toThrow('provider type "dup" is already registered');
    expect(registry.get('dup')).toBe(first);
    expect(() => createBuiltinRegistry().register(builtinFactories()[0] as ProviderFactory)).toThrow('"outbox" is already registered');
  });

  it('holds every built-in type once', () => {
    const types = createBuiltinRegistry().list().map((f) => f.type);
    expect(types).toEqual(['outbox', 'log', 'smtp', 'sendgrid', 'mailgun', 'ses', 'twilio', 'vonage', 'webhook', 'slack', 'discord']);
  });

  it('refuses what is not a factory, saying why', () => {
    const valid = new CredentialFactory();
    const cases: [unknown, string][] = [
      [null, 'expected an object'],
      ['sendgrid', 'expected an object'],
      [{ ...valid, type: 'Acme SMS' }, 'type must be a lowercase name'],
      [{ ...valid, type: undefined }, 'type must be a lowercase name'],
      [{ ...valid, channels: [] }, 'channels must list'],
      [{ ...valid, channels: ['fax'] }, 'channels must list'],
      [{ ...valid, optionsSchema: {} }, 'optionsSchema must be a Standard Schema'],
      [{ ...valid, optionsSchema: handWritten, create: 'no' }, 'create must be a function'],
    ];
    for (const [candidate, problem] of cases) {
      expect(checkFactory(candidate), JSON.stringify(candidate)).toContain(problem);
      expect(() => new ProviderRegistry().register(candidate as ProviderFactory)).toThrow(`not a provider factory: `);
    }
    expect(checkFactory({ ...valid, optionsSchema: handWritten, create: valid.create })).toBeUndefined();
  });
});

describe('validateOptions', () => {
  it('gives zod issues with the config path and stable rules', async () => {
    const result = await validateOptions(new CredentialFactory() as ProviderFactory, { baseUrl: 'not a url', extra: 1 }, 'providers.acme');
    expect('issues' in result && result.issues.map((i) => [i.path, i.rule]).sort()).toEqual([
      ['providers.acme.baseUrl', 'format'],
      ['providers.acme.credential', 'required'],
      ['providers.acme.extra', 'unknown_key'],
    ]);
  });

  it('reads any other Standard Schema, with the path of each issue', async () => {
    const factory = { ...new CredentialFactory(), optionsSchema: handWritten } as unknown as ProviderFactory;
    expect(await validateOptions(factory, { region: 'eu' }, 'providers.x')).toEqual({ value: { region: 'eu' } });
    const missing = await validateOptions(factory, {}, 'providers.x');
    expect(missing).toEqual({ issues: [{ path: 'providers.x.region', rule: 'required', message: 'providers.x.region: Required' }] });
    const wrong = await validateOptions(factory, { region: 1 }, 'providers.x');
    expect('issues' in wrong && wrong.issues[0]?.rule).toBe('invalid');
  });
});
