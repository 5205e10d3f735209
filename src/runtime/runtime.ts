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
import type { BreakerBoard, BreakerStatus } from '../resilience/breaker/board.js';
import { probeTimeoutFor } from '../resilience/breaker/options.js';
import { SharedBreakerBoard } from '../resilience/breaker/shared-board.js';
import { readSharedBreakers } from '../resilience/breaker/shared-view.js';
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

/** How long start-up waits for RabbitMQ before failing with a clear error, in ms. */
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

  /** The broker, connected (fails with a clear error if RabbitMQ stays unreachable at start-up). */
  broker(): Promise<Broker> {
    this.#broker ??= (async () => {
      const broker = await AmqpBroker.connect({
        url: this.settings.amqpUrl,
        prefix: this.settings.amqpPrefix,
        logger: this.logger.child({ component: 'broker' }),
        connectionName: `missive ${this.processName}`,
      });
      try {
        await broker.waitForConnection(BROKER_CONNECT_TIMEOUT_MS);
      } catch (error) {
        await broker.close();
        throw error;
      }
      return broker;
    })();
    return this.#broker;
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
   * store (kept in sync in the background from the first call on): for the send paths (worker,
   * batch runner). Reports read {@link breakerStatuses} instead.
   */
  breakers(): BreakerBoard {
    if (!this.#breakers) {
      const { delivery } = this.settings;
      this.#breakers = new SharedBreakerBoard(
        new SqlBreakerStore(this.store.context),
        // A probe is one call: once its timeout and a margin have passed, its holder is gone.
        { ...delivery.breaker, probeTimeoutMs: probeTimeoutFor(delivery.attemptTimeoutMs), owner: `${this.processName}:${this.newId()}` },
        this.clock,
        this.logger.child({ component: 'breakers' }),
      );
      void this.#breakers.start();
    }
    return this.#breakers;
  }

  /**
   * The circuits as the fleet shares them, read once from the store, without joining the sync:
   * reports call no provider, so they must never hold the fleet's one probe.
   */
  breakerStatuses(): Promise<(provider: string) => BreakerStatus> {
    return readSharedBreakers(new SqlBreakerStore(this.store.context), this.clock.now());
  }

  /** Publishes stored messages (producer, scheduler, replay). */
  publisher(): Promise<Publisher> {
    this.#publisher ??= (async () => new Publisher(this.store, await this.broker(), this.clock, this.logger))();
    return this.#publisher;
  }

  /** The producer: `send` for both delivery modes. */
  producer(): Promise<Producer> {
    this.#producer ??= (async () => {
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
    })();
    return this.#producer;
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
