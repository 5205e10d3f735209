import amqplib, { type Channel as AmqpChannel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { redactUrl } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import { CHANNELS, type Channel } from '../message/channels.js';
import type { Broker, Consumer, DeliveryHandler, DeliveryOutcome, PublishOptions } from './broker.js';
import { BrokerUnavailableError } from './errors.js';
import { type Topology, topologyFor } from './topology.js';

/** Options of {@link AmqpBroker.connect}. */
export interface AmqpBrokerOptions {
  /** `amqp://…` URL. */
  url: string;
  /** Prefix of every exchange and queue name (MISSIVE_AMQP_PREFIX). */
  prefix: string;
  logger: Logger;
  /** A publish not confirmed within this many ms fails. Default 10000. */
  publishTimeoutMs?: number;
  /** Name shown for this connection in RabbitMQ's tools. Default `missive`. */
  connectionName?: string;
}

interface ConsumerState {
  queue: string;
  /** The connection the consumer last started on, so it is never started twice on one. */
  model: ChannelModel | undefined;
  handler: DeliveryHandler;
  prefetch: number;
  channel: AmqpChannel | undefined;
  tag: string | undefined;
  stopped: boolean;
  inFlight: Set<Promise<void>>;
}

/**
 * RabbitMQ through amqplib, whose connection recovery reconnects with backoff after a broker
 * restart or a dropped connection; on every (re)connect this adapter re-declares the topology,
 * reopens its confirm channel and resumes its consumers. While disconnected, publishing fails
 * at once with BrokerUnavailableError, so callers fall back to the store's outbox relay rather
 * than hold messages in memory.
 */
export class AmqpBroker implements Broker {
  readonly #topology: Topology;
  readonly #consumers = new Set<ConsumerState>();
  readonly #publishTimeoutMs: number;
  #connection: amqplib.RecoveringChannelModel | undefined;
  #publisher: ConfirmChannel | undefined;
  #drained: Promise<void> | undefined;
  /** The live connection, set once its topology is declared; undefined while disconnected. */
  #model: ChannelModel | undefined;
  #closed = false;

  private constructor(private readonly options: AmqpBrokerOptions) {
    this.#topology = topologyFor(options.prefix);
    this.#publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
  }

  /** Starts connecting; use {@link waitForConnection} to wait for the first connection. */
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
    connection.on('connect', () => logger.info({ url: redactUrl(options.url) }, 'connected to RabbitMQ'));
    connection.on('disconnect', (error: Error) => {
      broker.#publisher = undefined;
      broker.#model = undefined;
      logger.warn({ err: error.message }, 'RabbitMQ connection lost; reconnecting');
    });
    connection.on('connect-failed', (error: Error) => logger.warn({ err: error.message }, 'cannot connect to RabbitMQ; retrying'));
    connection.on('blocked', (reason: string) => logger.warn({ reason }, 'RabbitMQ blocked publishing'));
    connection.on('error', (error: Error) => logger.warn({ err: error.message }, 'RabbitMQ connection error'));
    return broker;
  }

  get topology(): Topology {
    return this.#topology;
  }

  isConnected(): boolean {
    return this.#publisher !== undefined;
  }

  async waitForConnection(timeoutMs: number): Promise<void> {
    const connection = this.#connection;
    if (!connection) throw new BrokerUnavailableError('not connected');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new BrokerUnavailableError(`cannot reach RabbitMQ at ${redactUrl(this.options.url)} within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([connection.waitForConnect(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  publish(channel: Channel, body: Buffer, options: PublishOptions): Promise<void> {
    return this.#publish(this.#topology.exchange, channel, body, options);
  }

  publishDeadLetter(body: Buffer, options: PublishOptions & { reason: string }): Promise<void> {
    const headers = { ...options.headers, 'x-missive-reason': options.reason.slice(0, 1000) };
    return this.#publish(this.#topology.deadLetterExchange, '', body, { ...options, headers });
  }

  async consume(channel: Channel, handler: DeliveryHandler, options: { prefetch: number }): Promise<Consumer> {
    const state: ConsumerState = {
      queue: this.#topology.queue(channel),
      handler,
      prefetch: options.prefetch,
      model: undefined,
      channel: undefined,
      tag: undefined,
      stopped: false,
      inFlight: new Set(),
    };
    this.#consumers.add(state);
    if (this.#model) await this.#startConsumer(this.#model, state);
    return { stop: (graceMs) => this.#stopConsumer(state, graceMs) };
  }

  async queueDepth(queue: Channel | 'dead-letter'): Promise<number> {
    const publisher = this.#publisher;
    if (!publisher) throw new BrokerUnavailableError('not connected to RabbitMQ');
    const name = queue === 'dead-letter' ? this.#topology.deadLetterQueue : this.#topology.queue(queue);
    const { messageCount } = await publisher.checkQueue(name);
    return messageCount;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#consumers].map((state) => this.#stopConsumer(state, 0)));
    const publisher = this.#publisher;
    this.#publisher = undefined;
    await publisher?.waitForConfirms().catch(() => undefined);
    await this.#connection?.close().catch(() => undefined);
  }

  /** Runs on every (re)connect: topology, confirm channel, consumers. */
  async #setup(model: ChannelModel): Promise<void> {
    coalesceWrites(model);
    const publisher = await model.createConfirmChannel();
    publisher.on('error', (error: Error) => this.options.logger.warn({ err: error.message }, 'publish channel error'));
    publisher.on('close', () => {
      if (this.#publisher === publisher) this.#publisher = undefined;
    });
    publisher.on('drain', () => {
      this.#drained = undefined;
    });
    await declareTopology(publisher, this.#topology);
    this.#publisher = publisher;
    this.#drained = undefined;
    this.#model = model;
    for (const state of this.#consumers) await this.#startConsumer(model, state);
  }

  async #publish(exchange: string, routingKey: string, body: Buffer, options: PublishOptions): Promise<void> {
    const publisher = this.#publisher;
    if (!publisher) throw new BrokerUnavailableError('not connected to RabbitMQ');
    if (this.#drained) await this.#drained;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new BrokerUnavailableError(`RabbitMQ did not confirm within ${this.#publishTimeoutMs} ms`)),
        this.#publishTimeoutMs,
      );
      const written = publisher.publish(
        exchange,
        routingKey,
        body,
        {
          persistent: true,
          messageId: options.messageId,
          contentType: 'application/json',
          timestamp: Math.floor(Date.now() / 1000),
          headers: options.headers,
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (error) reject(new BrokerUnavailableError(`RabbitMQ refused the message: ${String(error)}`));
          else resolve();
        },
      );
      if (!written && !this.#drained) {
        this.#drained = new Promise((done) => publisher.once('drain', done));
      }
    });
  }

  async #startConsumer(model: ChannelModel, state: ConsumerState): Promise<void> {
    if (state.stopped || state.model === model) return;
    state.model = model;
    const channel = await model.createChannel();
    channel.on('error', (error: Error) => this.options.logger.warn({ err: error.message, queue: state.queue }, 'consumer channel error'));
    channel.on('close', () => {
      if (state.channel === channel) state.channel = undefined;
    });
    await channel.prefetch(state.prefetch);
    state.channel = channel;
    const { consumerTag } = await channel.consume(state.queue, (message) => this.#onMessage(state, channel, message));
    state.tag = consumerTag;
  }

  #onMessage(state: ConsumerState, channel: AmqpChannel, message: ConsumeMessage | null): void {
    if (message === null) {
      this.options.logger.warn({ queue: state.queue }, 'the broker cancelled the consumer; it resumes on reconnect');
      return;
    }
    const work = this.#handle(state, channel, message).finally(() => state.inFlight.delete(work));
    state.inFlight.add(work);
  }

  async #handle(state: ConsumerState, channel: AmqpChannel, message: ConsumeMessage): Promise<void> {
    let outcome: DeliveryOutcome;
    try {
      outcome = await state.handler({
        body: message.content,
        messageId: typeof message.properties.messageId === 'string' ? message.properties.messageId : undefined,
        redelivered: message.fields.redelivered,
        headers: (message.properties.headers ?? {}) as Record<string, unknown>,
      });
    } catch (error) {
      this.options.logger.error({ err: (error as Error).message, queue: state.queue }, 'delivery handler failed; requeueing');
      outcome = { action: 'requeue' };
    }
    // A delivery tag belongs to the channel it came on: after a reconnect the broker has already
    // requeued the message, and settling it on another channel would be a protocol error.
    if (state.channel !== channel) return;
    try {
      if (outcome.action === 'ack') channel.ack(message);
      else if (outcome.action === 'requeue') channel.nack(message, false, true);
      else await this.#deadLetter(channel, message, state.queue, outcome.reason);
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'could not settle a delivery; the broker will redeliver it');
    }
  }

  async #deadLetter(channel: AmqpChannel, message: ConsumeMessage, queue: string, reason: string): Promise<void> {
    this.options.logger.warn({ queue, messageId: message.properties.messageId, reason }, 'message dead-lettered');
    try {
      await this.publishDeadLetter(message.content, {
        messageId: typeof message.properties.messageId === 'string' ? message.properties.messageId : '',
        headers: { 'x-missive-queue': queue },
        reason,
      });
      channel.ack(message);
    } catch {
      // The queue's own dead-letter exchange still takes it, without the reason header.
      channel.nack(message, false, false);
    }
  }

  async #stopConsumer(state: ConsumerState, graceMs: number): Promise<void> {
    if (state.stopped) return;
    state.stopped = true;
    this.#consumers.delete(state);
    const channel = state.channel;
    if (channel && state.tag) await channel.cancel(state.tag).catch(() => undefined);
    if (state.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...state.inFlight]),
        new Promise((done) => {
          timer = setTimeout(done, graceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    state.channel = undefined;
    await channel?.close().catch(() => undefined);
  }
}

/** Declares the exchanges and queues; idempotent, so every process may run it. */
async function declareTopology(channel: AmqpChannel, topology: Topology): Promise<void> {
  await channel.assertExchange(topology.exchange, 'direct', { durable: true });
  await channel.assertExchange(topology.deadLetterExchange, 'fanout', { durable: true });
  await channel.assertQueue(topology.deadLetterQueue, { durable: true });
  await channel.bindQueue(topology.deadLetterQueue, topology.deadLetterExchange, '');
  for (const channelName of CHANNELS) {
    const queue = topology.queue(channelName);
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-dead-letter-exchange': topology.deadLetterExchange } });
    await channel.bindQueue(queue, topology.exchange, channelName);
  }
}

/**
 * Makes the connection send what it writes within one turn of the event loop as one socket write.
 * amqplib writes every frame (each publish, each ack) to the socket as it comes, which costs a
 * system call apiece; at thousands of messages a second those calls cost more than the rest of
 * the work. Corking for the turn keeps the order and adds no delay beyond the turn. It reaches
 * into amqplib's connection for its socket; without one it changes nothing.
 */
function coalesceWrites(model: ChannelModel): void {
  const stream = (model.connection as { stream?: unknown }).stream as
    | { write: (...args: unknown[]) => boolean; cork?: () => void; uncork?: () => void }
    | undefined;
  if (!stream || typeof stream.cork !== 'function' || typeof stream.uncork !== 'function') return;
  const write = stream.write.bind(stream);
  const cork = stream.cork.bind(stream);
  const uncork = stream.uncork.bind(stream);
  let corked = false;
  stream.write = (...args: unknown[]) => {
    if (!corked) {
      corked = true;
      cork();
      process.nextTick(() => {
        corked = false;
        uncork();
      });
    }
    return write(...args);
  };
}
