import { hostname } from 'node:os';
import { AmqpBroker } from '../broker/amqp-broker.js';
import type { Broker } from '../broker/broker.js';
import { loadPlugins } from '../config/plugins.js';
import type { Settings } from '../config/settings.js';
import { type Clock, type Random, systemClock, systemRandom } from '../core/clock.js';
import { createIdGenerator, type IdGenerator } from '../core/ids.js';
import { createLogger, type Logger } from '../core/logger.js';
import { Producer, routeCheckFor } from '../producer/producer.js';
import { Publisher } from '../producer/publisher.js';
import { createBuiltinRegistry } from '../providers/builtins.js';
import { ProviderSet } from '../providers/instances.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { BreakerBoard } from '../resilience/breaker/board.js';
import { SharedBreakerBoard } from '../resilience/breaker/shared-board.js';
import { SqlBreakerStore } from '../store/sql-breaker-store.js';
import { type Metrics, noopMetrics } from '../metrics/metrics.js';
import { openStore } from '../store/open.js';
import type { SqlMessageStore } from '../store/sql-message-store.js';

/** What a runtime can be given instead of its defaults (tests, embedding applications). */
export interface RuntimeOverrides {
  logger?: Logger;
  clock?: Clock;
  random?: Random;
  newId?: IdGenerator;
  /** A registry to use instead of the built-ins (plugins from the config are added to it). */
  registry?: ProviderRegistry;
  /** Name of this process in leases and RabbitMQ; default `<host>:<pid>`. */
  processName?: string;
  /** Where the roles report what they do; default nowhere. */
  metrics?: Metrics;
}

/** How long a consuming role's start-up waits for RabbitMQ before failing with a clear error, in ms. */
const BROKER_CONNECT_TIMEOUT_MS = 15_000;

/**
 * The parts of one Missive process, built from settings and opened on demand: the store (always,
 * migrated), the broker, the providers, the producer. Every role and command takes what it needs.
 */
export class Runtime {
  readonly clock: Clock;
  readonly random: Random;
  readonly newId: IdGenerator;
  readonly processName: string;
  readonly metrics: Metrics;
  #broker: Promise<Broker> | undefined;
  #providers: Promise<ProviderSet> | undefined;
  #producer: Promise<Producer> | undefined;
  #publisher: Promise<Publisher> | undefined;
  #breakers: SharedBreakerBoard | undefined;

  private constructor(
    readonly settings: Settings,
    /** The message store; `store.context` is the open database the other stores share. */
    readonly store: SqlMessageStore,
    readonly logger: Logger,
    private readonly overrides: RuntimeOverrides,
  ) {
    this.clock = overrides.clock ?? systemClock;
    this.random = overrides.random ?? systemRandom;
    this.newId = overrides.newId ?? createIdGenerator();
    this.processName = overrides.processName ?? `${hostname()}:${process.pid}`;
    this.metrics = overrides.metrics ?? noopMetrics;
  }

  /** Opens the store (creating and migrating it) and returns the runtime. */
  static async open(settings: Settings, overrides: RuntimeOverrides = {}): Promise<Runtime> {
    const logger = overrides.logger ?? createLogger({ level: settings.log.level, secrets: knownSecrets(settings) });
    const store = openStore(settings.databaseUrl, { newId: overrides.newId ?? createIdGenerator(), logger });
    try {
      await store.migrate();
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return new Runtime(settings, store, logger, overrides);
  }

  /**
   * The broker, at once: it connects in the background and keeps reconnecting, so the producer
   * works (storing what it cannot publish, for the relay) while RabbitMQ is unreachable.
   */
  broker(): Promise<Broker> {
    this.#broker ??= forgetFailure(
      AmqpBroker.connect({
        url: this.settings.amqpUrl,
        prefix: this.settings.amqpPrefix,
        logger: this.logger.child({ component: 'broker' }),
        connectionName: `missive ${this.processName}`,
      }),
      () => (this.#broker = undefined),
    );
    return this.#broker;
  }

  /**
   * The broker once connected, for the roles that consume: fails with a clear error if RabbitMQ
   * stays unreachable for {@link BROKER_CONNECT_TIMEOUT_MS}; the broker goes on trying meanwhile.
   */
  async connectedBroker(): Promise<Broker> {
    const broker = await this.broker();
    await broker.waitForConnection(BROKER_CONNECT_TIMEOUT_MS);
    return broker;
  }

  /** The configured provider instances (plugins loaded, options validated). */
  providers(): Promise<ProviderSet> {
    this.#providers ??= (async () => {
      const registry = this.overrides.registry ?? createBuiltinRegistry();
      await loadPlugins(this.settings.pluginPaths, registry);
      return ProviderSet.build(registry, this.settings, { logger: this.logger, clock: this.clock });
    })();
    return this.#providers;
  }

  /**
   * The circuit breakers of the provider instances, shared with every other process through the
   * store (kept in sync in the background from the first call on).
   */
  breakers(): BreakerBoard {
    if (!this.#breakers) {
      this.#breakers = new SharedBreakerBoard(
        new SqlBreakerStore(this.store.context),
        { ...this.settings.delivery.breaker, owner: `${this.processName}:${this.newId()}` },
        this.clock,
        this.logger.child({ component: 'breakers' }),
      );
      void this.#breakers.start();
    }
    return this.#breakers;
  }

  /** Publishes stored messages (producer, scheduler, replay). */
  publisher(): Promise<Publisher> {
    this.#publisher ??= forgetFailure(
      (async () => new Publisher(this.store, await this.broker(), this.clock, this.logger))(),
      () => (this.#publisher = undefined),
    );
    return this.#publisher;
  }

  /** The producer: `send` for both delivery modes. */
  producer(): Promise<Producer> {
    this.#producer ??= forgetFailure(this.#buildProducer(), () => (this.#producer = undefined));
    return this.#producer;
  }

  async #buildProducer(): Promise<Producer> {
    const providers = await this.providers();
    return new Producer({
      store: this.store,
      publisher: await this.publisher(),
      clock: this.clock,
      newId: this.newId,
      relayAfterMs: this.settings.scheduler.relayAfterMs,
      metrics: this.metrics,
      checkRoute: routeCheckFor((message) => {
        if (providers.candidates(message.channel, message.provider).length > 0) return 'ok';
        return message.provider === undefined ? 'no_provider' : 'unknown_provider';
      }),
    });
  }

  /** Flushes pending writes and closes everything opened. */
  async close(): Promise<void> {
    const settle = async <T>(part: Promise<T> | undefined, close: (value: T) => Promise<void>) => {
      if (!part) return;
      try {
        await close(await part);
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'error while closing');
      }
    };
    await settle(this.#producer, (producer) => producer.flush());
    await settle(this.#publisher, (publisher) => publisher.flush());
    await settle(this.#broker, (broker) => broker.close());
    await settle(this.#breakers && Promise.resolve(this.#breakers), (breakers) => breakers.stop());
    await settle(this.#providers, (providers) => providers.close());
    await this.store.close();
  }
}

/** `promise`, calling `forget` if it fails, so that the next caller tries again rather than fail for ever. */
function forgetFailure<T>(promise: Promise<T>, forget: () => void): Promise<T> {
  promise.catch(forget);
  return promise;
}

/** Secret values known from the settings alone: API keys and passwords in URLs. */
function knownSecrets(settings: Settings): string[] {
  const secrets = [...settings.apiKeys];
  for (const url of [settings.amqpUrl, settings.databaseUrl]) {
    try {
      const password = decodeURIComponent(new URL(url).password);
      if (password) secrets.push(password);
    } catch {
      // not a URL (a SQLite path): nothing secret in it
    }
  }
  for (const provider of Object.values(settings.providers)) {
    for (const [key, value] of Object.entries(provider)) {
      if (typeof value === 'string' && /(secret|password|pass$|token|apikey|webhookurl)/i.test(key)) secrets.push(value);
    }
  }
  return secrets;
}
