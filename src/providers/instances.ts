import type { Clock } from '../core/clock.js';
import { ConfigError, type Issue } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Channel } from '../message/channels.js';
import { CHANNELS } from '../message/channels.js';
import { scrubSecrets } from '../core/logger.js';
import { toProviderError } from './errors.js';
import type { Provider, ProviderFactory } from './provider.js';
import { type ProviderRegistry, validateOptions } from './registry.js';
import { redactOptions } from './secret-options.js';

/** One `providers.<name>` entry of the configuration. */
export interface ProviderEntry {
  type: string;
  [option: string]: unknown;
}

/** The parts of the configuration that choose providers. */
export interface ProvidersConfig {
  providers: Record<string, ProviderEntry>;
  channels: Partial<Record<Channel, { providers: string[] }>>;
}

/** A configured provider instance with what `missive providers` shows of it. */
export interface ProviderInstance {
  name: string;
  type: string;
  provider: Provider;
  factory: ProviderFactory;
  /** The channels this instance is configured to serve. */
  channels: Channel[];
  /** Its options with secret values replaced by `[REDACTED]` and URL passwords masked. */
  redactedOptions: Record<string, unknown>;
  /** The secret option values, for scrubbing logs and output. */
  secrets: string[];
}

/**
 * The configured provider instances and the channel order. The send path asks this for the
 * providers of a message and never branches on a provider's type.
 */
export class ProviderSet {
  private constructor(
    private readonly instances: Map<string, ProviderInstance>,
    private readonly order: Map<Channel, string[]>,
    private readonly registered: readonly ProviderFactory[],
  ) {}

  /**
   * Validates every instance's options with its factory and builds the providers. Throws a
   * ConfigError listing every problem with its config path.
   */
  static async build(
    registry: ProviderRegistry,
    config: ProvidersConfig,
    deps: { logger: Logger; clock: Clock },
  ): Promise<ProviderSet> {
    const issues: Issue[] = [];
    const validated: { name: string; factory: ProviderFactory; options: unknown; raw: Record<string, unknown> }[] = [];
    for (const [name, entry] of Object.entries(config.providers)) {
      const factory = registry.get(entry.type);
      if (!factory) {
        const known = registry.list().map((f) => f.type).join(', ');
        issues.push({
          path: `providers.${name}.type`,
          rule: 'unknown_type',
          message: `providers.${name}.type: unknown provider type "${entry.type}" (known: ${known})`,
        });
        continue;
      }
      const { type: _type, ...options } = entry;
      const result = await validateOptions(factory, options, `providers.${name}`);
      if ('issues' in result) issues.push(...result.issues);
      else validated.push({ name, factory, options: result.value, raw: options });
    }
    const order = channelOrder(config, issues);
    if (issues.length > 0) throw new ConfigError(issues);

    const instances = new Map<string, ProviderInstance>();
    for (const { name, factory, options, raw } of validated) {
      const logger = deps.logger.child({ provider: name });
      const { options: redactedOptions, secrets } = redactOptions(raw, factory.secretOptions ?? []);
      const provider = withSecretsRedacted(factory.create(options, { name, logger, clock: deps.clock }), secrets);
      instances.set(name, { name, type: factory.type, provider, factory, channels: [], redactedOptions, secrets });
    }
    for (const channel of CHANNELS) {
      if (order.has(channel)) continue;
      const able = [...instances.values()].filter((instance) => instance.factory.channels.includes(channel));
      if (able.length > 0) order.set(channel, able.map((instance) => instance.name));
    }
    for (const instance of instances.values()) {
      instance.channels = CHANNELS.filter((channel) => order.get(channel)?.includes(instance.name));
    }
    for (const [channel, names] of order) {
      for (const [index, name] of names.entries()) {
        const factory = instances.get(name)?.factory;
        if (factory && !factory.channels.includes(channel)) {
          issues.push({
            path: `channels.${channel}.providers[${index}]`,
            rule: 'channel_mismatch',
            message: `channels.${channel}.providers[${index}]: provider "${name}" (type ${factory.type}) cannot send ${channel}`,
          });
        }
      }
    }
    if (issues.length > 0) throw new ConfigError(issues);
    return new ProviderSet(instances, order, registry.list());
  }

  /** Every registered provider type (built-in and plugin), configured or not, in registration order. */
  types(): readonly ProviderFactory[] {
    return this.registered;
  }

  /** The instance of that name. */
  get(name: string): ProviderInstance | undefined {
    return this.instances.get(name);
  }

  /** Every instance, in configuration order. */
  list(): ProviderInstance[] {
    return [...this.instances.values()];
  }

  /** The instance names configured for a channel, primary first. */
  channelProviders(channel: Channel): readonly string[] {
    return this.order.get(channel) ?? [];
  }

  /**
   * The providers to try for a message, in order: the one the message names (alone), else the
   * channel's configured order. Empty when nothing can send it.
   */
  candidates(channel: Channel, requested?: string): ProviderInstance[] {
    if (requested !== undefined) {
      const instance = this.instances.get(requested);
      return instance && instance.factory.channels.includes(channel) ? [instance] : [];
    }
    return this.channelProviders(channel).flatMap((name) => this.instances.get(name) ?? []);
  }

  /** Every secret option value of every instance. */
  secrets(): string[] {
    return this.list().flatMap((instance) => instance.secrets);
  }

  /** Closes every provider. */
  async close(): Promise<void> {
    await Promise.allSettled(this.list().map((instance) => instance.provider.close?.()));
  }
}

/**
 * The configured order of providers per channel. A channel the config does not list is served by
 * every configured instance whose type can send it, in configuration order (filled in by build).
 */
function channelOrder(config: ProvidersConfig, issues: Issue[]): Map<Channel, string[]> {
  const order = new Map<Channel, string[]>();
  for (const channel of CHANNELS) {
    const configured = config.channels[channel]?.providers;
    if (!configured) continue;
    configured.forEach((name, index) => {
      if (!(name in config.providers)) {
        issues.push({
          path: `channels.${channel}.providers[${index}]`,
          rule: 'unknown_provider',
          message: `channels.${channel}.providers[${index}]: no provider named "${name}" in providers`,
        });
      }
    });
    order.set(channel, configured);
  }
  return order;
}

/**
 * Wraps a provider so that no error it throws carries one of its secrets, whatever the vendor
 * echoed or a plugin forgot to redact: errors are recorded on messages, shown and logged.
 */
function withSecretsRedacted(provider: Provider, secrets: readonly string[]): Provider {
  // Longest first, so that a secret containing another is scrubbed whole.
  const live = secrets.filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length);
  if (live.length === 0) return provider;
  const send: Provider['send'] = async (message, context) => {
    try {
      return await provider.send(message, context);
    } catch (thrown) {
      const error = toProviderError(thrown);
      error.message = scrubSecrets(error.message, live);
      if (error.vendor.message !== undefined) error.vendor.message = scrubSecrets(error.vendor.message, live);
      if (error.vendor.code !== undefined) error.vendor.code = scrubSecrets(error.vendor.code, live);
      throw error;
    }
  };
  return {
    name: provider.name,
    type: provider.type,
    channels: provider.channels,
    send,
    ...(provider.close && { close: () => provider.close?.() ?? Promise.resolve() }),
  };
}
