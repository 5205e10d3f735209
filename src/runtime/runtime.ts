import { hostname } from 'node:os';
import { AmqpBroker } from '../broker/amqp-broker.js';
import type { Broker } from '../broker/broker.js';
import { loadPlugins } from '../config/plugins.js';
import type { Settings } from '../config/settings.js';
import { type Clock, type Random, systemClock, systemRandom } from '../core/clock.js';
import { createIdGenerator, type IdGenerator } from '../core/ids.js';
import { createLogger, type Logger, SecretList } from '../core/logger.js';
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
  /**
   * Create the database when it does not exist (a SQLite file). Default true; commands that only
   * act on existing records pass false, so that a mistyped path fails instead of leaving an
   * empty database behind.
   */
  createStore?: boolean;
}

/** How long a consuming role's start-up waits for RabbitMQ before failing with a clear error, in ms. */
const BROKER_CONNECT_TIMEOUT_MS = 15_000;

/**
 * The parts of one Missive process, built from settings: the providers and the store (at open,
 * migrated), and on demand the broker and the producer. Every role and command takes what it needs.
 */
export class Runtime {
  readonly clock: Clock;
  readonly random: Random;
  readonly newId: IdGenerator;
  readonly processName: string;
  readonly metrics: Metrics;
  #broker: Promise<Broker> | undefined;
  #producer: Promise<Producer> | undefined;
  #publisher: Promise<Publisher> | undefined;
  #breakers: SharedBreakerBoard | undefined;

  private constructor(
    readonly settings: Settings,
    /** The message store; `store.context` is the open database the other stores share. */
    readonly store: SqlMessageStore,
    readonly logger: Logger,
    /**
     * Secret values scrubbed from every line of the logger the runtime made (an injected logger
     * is its owner's to scrub): API keys, URL passwords, every provider secret.
     */
    readonly secrets: SecretList,
    private readonly providerSet: ProviderSet,
    overrides: RuntimeOverrides,
  ) {
    this.clock = overrides.clock ?? systemClock;
    this.random = overrides.random ?? systemRandom;
    this.newId = overrides.newId ?? createIdGenerator();
    this.processName = overrides.processName ?? `${hostname()}:${process.pid}`;
    this.metrics = overrides.metrics ?? noopMetrics;
  }

  /**
   * Builds the providers (plugins loaded, options validated), then opens the store (creating it
   * unless told not to, and migrating it) and returns the runtime. A bad provider configuration
   * fails here, before the database is touched and before any role starts.
   */
  static async open(settings: Settings, overrides: RuntimeOverrides = {}): Promise<Runtime> {
    const secrets = new SecretList(knownSecrets(settings));
    const logger = overrides.logger ?? createLogger({ level: settings.log.level, secrets });
    const registry = overrides.registry ?? createBuiltinRegistry();
    await loadPlugins(settings.pluginPaths, registry);
    const providers = await ProviderSet.build(registry, settings, { logger, clock: overrides.clock ?? systemClock });
    secrets.add(providers.secrets());
    let store: SqlMessageStore | undefined;
    try {
      store = openStore(settings.databaseUrl, { newId: overrides.newId ?? createIdGenerator(), logger, create: overrides.createStore ?? true });
      await store.migrate();
    } catch (error) {
      await store?.close().catch(() => undefined);
      await providers.close();
      throw error;
    }
    return new Runtime(settings, store, logger, secrets, providers, overrides);
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

  /** The configured provider instances (built when the runtime opened). */
  providers(): Promise<ProviderSet> {
    return Promise.resolve(this.providerSet);
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
      let value: T;
      try {
        value = await part;
      } catch {
        // It never opened (RabbitMQ unreachable, say): whoever asked for it got that error
        // already; there is nothing to close and nothing new to report.
        return;
      }
      try {
        await close(value);
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'error while closing');
      }
    };
    await settle(this.#producer, (producer) => producer.flush());
    await settle(this.#publisher, (publisher) => publisher.flush());
    await settle(this.#broker, (broker) => broker.close());
    await settle(this.#breakers && Promise.resolve(this.#breakers), (breakers) => breakers.stop());
    await settle(Promise.resolve(this.providerSet), (providers) => providers.close());
    await this.store.close();
  }
}

/** `promise`, calling `forget` if it fails, so that the next caller tries again rather than fail for ever. */
function forgetFailure<T>(promise: Promise<T>, forget: () => void): Promise<T> {
  promise.catch(forget);
  return promise;
}

/**
 * Secret values known from the settings alone: API keys and the passwords in the RabbitMQ and
 * database URLs. The providers' secrets are added once they are built (ProviderSet.secrets()).
 */
function knownSecrets(settings: Settings): string[] {
  const secrets = [...settings.apiKeys];
  for (const url of [settings.amqpUrl, settings.databaseUrl]) {
    let password = '';
    try {
      password = new URL(url).password;
    } catch {
      // not a URL (a SQLite path): nothing secret in it
    }
    if (password === '') continue;
    secrets.push(password);
    try {
      secrets.push(decodeURIComponent(password));
    } catch {
      // not %-encoded validly: only the form as written can appear
    }
  }
  return secrets;
}
