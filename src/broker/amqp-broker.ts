import amqplib, { type ChannelModel, type ConfirmChannel, type Message } from 'amqplib';
import { redactUrl } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { Channel } from '../message/channels.js';
import { AmqpConsumer } from './amqp-consumer.js';
import { coalesceWrites, declareTopology, reopenDelay } from './amqp-wiring.js';
import type { Broker, Consumer, DeliveryHandler, PublishOptions } from './broker.js';
import { ConfirmPublisher } from './confirm-publisher.js';
import { BrokerUnavailableError } from './errors.js';
import { type Topology, topologyFor } from './topology.js';

/** Options of {@link AmqpBroker.connect}. */
export interface AmqpBrokerOptions {
  /** `amqp://…` URL. */
  url: string;
  /** Prefix of every exchange and queue name (MISSIVE_AMQP_PREFIX). */
  prefix: string;
  logger: Logger;
  /** A publish not confirmed within this many ms (waiting for a connection or a full buffer included) fails. Default 10000. */
  publishTimeoutMs?: number;
  /** Name shown for this connection in RabbitMQ's tools. Default `missive`. */
  connectionName?: string;
}

/** Least time between two re-declarations of the topology prompted by unroutable messages, in ms. */
const REDECLARE_INTERVAL_MS = 1_000;

/**
 * RabbitMQ through amqplib, whose connection recovery reconnects with backoff, for ever, after a
 * broker restart, a dropped connection, or a broker that was not there to begin with: the adapter
 * is usable at once and connects in the background. On every (re)connect it re-declares the
 * topology, reopens its confirm channel and resumes its consumers; on a live connection it also
 * reopens, with backoff, a confirm channel RabbitMQ closed (a publish to a deleted exchange) and
 * a consumer RabbitMQ cancelled or whose channel it closed (a deleted queue), re-declaring the
 * topology each time. While it cannot publish, publishing fails at once with
 * BrokerUnavailableError (after waiting for the very first connection attempt), so callers fall
 * back to the store's outbox relay rather than hold messages in memory.
 */
export class AmqpBroker implements Broker {
  readonly #topology: Topology;
  readonly #consumers = new Set<AmqpConsumer>();
  readonly #publishTimeoutMs: number;
  readonly #logger: Logger;
  /** Called once the broker can publish (or with an error once it is closed). */
  readonly #readyWaiters = new Set<(error?: Error) => void>();
  readonly #firstAttempt: Promise<void>;
  #firstAttemptDone: () => void = () => undefined;
  #attempted = false;
  #connection: amqplib.RecoveringChannelModel | undefined;
  /** The confirm channel and its publishing; undefined while it is not open. */
  #publisher: { channel: ConfirmChannel; confirm: ConfirmPublisher } | undefined;
  #publisherRetry: NodeJS.Timeout | undefined;
  #publisherAttempts = 0;
  #redeclaredAt = Number.NEGATIVE_INFINITY;
  /** The live connection, set once its topology is declared; undefined while disconnected. */
  #model: ChannelModel | undefined;
  #closed = false;

  private constructor(private readonly options: AmqpBrokerOptions) {
    this.#topology = topologyFor(options.prefix);
    this.#publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
    this.#logger = options.logger;
    this.#firstAttempt = new Promise((done) => {
      this.#firstAttemptDone = () => {
        this.#attempted = true;
        done();
      };
    });
  }

  /**
   * Creates the broker and starts connecting in the background; resolves at once, whether or not
   * RabbitMQ is reachable. Use {@link waitForConnection} to wait for a connection.
   */
  static async connect(options: AmqpBrokerOptions): Promise<AmqpBroker> {
    const broker = new AmqpBroker(options);
    const logger = options.logger;
    const connection = await amqplib.connect(options.url, {
      clientProperties: { connection_name: options.connectionName ?? 'missive' },
      recovery: {
        waitForConnect: false,
        initialDelay: 200,
        maxDelay: 5_000,
        maxRetries: Infinity,
        setup: (model: ChannelModel) => broker.#setup(model),
      },
    });
    broker.#connection = connection;
    connection.on('connect', () => {
      broker.#firstAttemptDone();
      logger.info({ url: redactUrl(options.url) }, 'connected to RabbitMQ');
    });
    connection.on('disconnect', (error: Error) => {
      broker.#lostPublisher(undefined);
      broker.#model = undefined;
      logger.warn({ err: error.message }, 'RabbitMQ connection lost; reconnecting');
    });
    connection.on('connect-failed', (error: Error) => {
      broker.#firstAttemptDone();
      logger.warn({ err: error.message, url: redactUrl(options.url) }, 'cannot connect to RabbitMQ; retrying');
    });
    connection.on('blocked', (reason: string) => logger.warn({ reason }, 'RabbitMQ blocked publishing'));
    connection.on('error', (error: Error) => logger.warn({ err: error.message }, 'RabbitMQ connection error'));
    return broker;
  }

  get topology(): Topology {
    return this.#topology;
  }

  /** True while the broker can publish: connected, with its confirm channel open. */
  isConnected(): boolean {
    return this.#publisher !== undefined;
  }

  async waitForConnection(timeoutMs: number): Promise<void> {
    if (this.isConnected()) return;
    if (this.#closed) throw new BrokerUnavailableError('the RabbitMQ connection is closed');
    await new Promise<void>((resolve, reject) => {
      const waiter = (error?: Error) => {
        clearTimeout(timer);
        this.#readyWaiters.delete(waiter);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () => waiter(new BrokerUnavailableError(`cannot reach RabbitMQ at ${redactUrl(this.options.url)} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#readyWaiters.add(waiter);
    });
  }

  publish(channel: Channel, body: Buffer, options: PublishOptions): Promise<void> {
    return this.#publish(this.#topology.exchange, channel, body, options);
  }

  publishDeadLetter(body: Buffer, options: PublishOptions & { reason: string }): Promise<void> {
    const headers = { ...options.headers, 'x-missive-reason': options.reason.slice(0, 1000) };
    return this.#publish(this.#topology.deadLetterExchange, '', body, { ...options, headers });
  }

  async consume(channel: Channel, handler: DeliveryHandler, options: { prefetch: number }): Promise<Consumer> {
    const consumer = new AmqpConsumer(this.#topology.queue(channel), handler, options.prefetch, {
      topology: this.#topology,
      logger: this.#logger,
      connection: () => this.#model,
      publishDeadLetter: (body, publishOptions) => this.publishDeadLetter(body, publishOptions),
    });
    this.#consumers.add(consumer);
    if (this.#model) await consumer.start(this.#model);
    return {
      stop: async (graceMs) => {
        this.#consumers.delete(consumer);
        await consumer.stop(graceMs);
      },
    };
  }

  async queueDepth(queue: Channel | 'dead-letter'): Promise<number> {
    const publisher = this.#publisher;
    if (!publisher) throw new BrokerUnavailableError('not connected to RabbitMQ');
    const name = queue === 'dead-letter' ? this.#topology.deadLetterQueue : this.#topology.queue(queue);
    const { messageCount } = await publisher.channel.checkQueue(name);
    return messageCount;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#firstAttemptDone();
    clearTimeout(this.#publisherRetry);
    for (const waiter of [...this.#readyWaiters]) waiter(new BrokerUnavailableError('the RabbitMQ connection is closed'));
    await Promise.all([...this.#consumers].map((consumer) => consumer.stop(0)));
    const publisher = this.#publisher;
    this.#lostPublisher(publisher?.channel);
    await publisher?.channel.waitForConfirms().catch(() => undefined);
    this.#model = undefined;
    await this.#connection?.close().catch(() => undefined);
  }

  /** Runs on every (re)connect: topology, confirm channel, consumers. Throwing makes amqplib retry. */
  async #setup(model: ChannelModel): Promise<void> {
    coalesceWrites(model);
    await this.#openPublisher(model);
    this.#model = model;
    this.#ready();
    for (const consumer of this.#consumers) await consumer.start(model);
  }

  /** Opens the confirm channel, declaring the topology on it. */
  async #openPublisher(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    channel.on('error', (error: Error) => this.#logger.warn({ err: error.message }, 'RabbitMQ closed the publish channel'));
    const confirm = new ConfirmPublisher(channel, (message) => this.#onUnroutable(channel, message));
    channel.on('close', () => this.#onPublisherClosed(channel));
    try {
      await declareTopology(channel, this.#topology);
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw error;
    }
    this.#publisher = { channel, confirm };
    this.#publisherAttempts = 0;
  }

  /** Forgets the confirm channel (`undefined`: whichever it is), failing publishes that wait on it. */
  #lostPublisher(channel: ConfirmChannel | undefined): void {
    const lost = this.#publisher;
    if (!lost || (channel !== undefined && lost.channel !== channel)) return;
    this.#publisher = undefined;
    lost.confirm.close();
  }

  #onPublisherClosed(channel: ConfirmChannel): void {
    if (this.#publisher?.channel !== channel) return;
    this.#lostPublisher(channel);
    // A lost connection closes its channels too; the reconnect's setup reopens them then.
    this.#reopenPublisherLater();
  }

  #reopenPublisherLater(): void {
    if (this.#closed || this.#publisherRetry) return;
    const delay = reopenDelay(++this.#publisherAttempts);
    this.#publisherRetry = setTimeout(() => {
      this.#publisherRetry = undefined;
      const model = this.#model;
      if (this.#closed || this.#publisher || !model) return;
      this.#openPublisher(model).then(
        () => {
          this.#logger.info({}, 'RabbitMQ publish channel reopened');
          this.#ready();
        },
        (error: unknown) => {
          this.#logger.warn({ err: (error as Error).message }, 'cannot reopen the RabbitMQ publish channel; retrying');
          if (this.#model === model) this.#reopenPublisherLater();
        },
      );
    }, delay);
  }

  /** Wakes whoever waits for the broker to be able to publish. */
  #ready(): void {
    if (!this.#publisher) return;
    for (const waiter of [...this.#readyWaiters]) waiter();
  }

  /**
   * RabbitMQ found no queue for a message (someone deleted one, or a binding). The publish fails
   * (see ConfirmPublisher), so the store's relay publishes it again; the topology is declared
   * afresh so that the next publish finds its queue.
   */
  #onUnroutable(channel: ConfirmChannel, message: Message): void {
    const now = Date.now();
    if (now - this.#redeclaredAt < REDECLARE_INTERVAL_MS) return;
    this.#redeclaredAt = now;
    this.#logger.warn({ exchange: message.fields.exchange, routingKey: message.fields.routingKey }, 'RabbitMQ could not route a message to a queue; declaring the topology again');
    declareTopology(channel, this.#topology).catch((error: unknown) => {
      this.#logger.warn({ err: (error as Error).message }, 'cannot declare the RabbitMQ topology');
    });
  }

  #publish(exchange: string, routingKey: string, body: Buffer, options: PublishOptions): Promise<void> {
    const publisher = this.#publisher;
    if (publisher) return publisher.confirm.publish(exchange, routingKey, body, options, this.#publishTimeoutMs);
    return this.#publishOnceConnected(exchange, routingKey, body, options);
  }

  /**
   * Publishes after the first connection attempt, if that connects: a process that has just
   * started (`missive send`) gets its one chance at RabbitMQ. Past that attempt, a broker that
   * cannot publish fails at once. The wait counts against the publish timeout.
   */
  async #publishOnceConnected(exchange: string, routingKey: string, body: Buffer, options: PublishOptions): Promise<void> {
    const started = Date.now();
    if (!this.#attempted && !this.#closed) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#firstAttempt, new Promise((done) => (timer = setTimeout(done, this.#publishTimeoutMs)))]);
      clearTimeout(timer);
    }
    if (this.#closed) throw new BrokerUnavailableError('the RabbitMQ connection is closed');
    const publisher = this.#publisher;
    if (!publisher) throw new BrokerUnavailableError('not connected to RabbitMQ');
    return publisher.confirm.publish(exchange, routingKey, body, options, this.#publishTimeoutMs - (Date.now() - started));
  }
}
