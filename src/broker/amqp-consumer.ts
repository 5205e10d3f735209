import type { Channel as AmqpChannel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from '../core/logger.js';
import { AckCoalescer } from './ack-coalescer.js';
import { declareTopology, reopenDelay } from './amqp-wiring.js';
import type { DeliveryHandler, DeliveryOutcome, PublishOptions } from './broker.js';
import type { Topology } from './topology.js';

/** What a consumer needs of the broker it belongs to. */
export interface AmqpConsumerDeps {
  topology: Topology;
  logger: Logger;
  /** The live connection, if any: where a restart goes. */
  connection(): ChannelModel | undefined;
  publishDeadLetter(body: Buffer, options: PublishOptions & { reason: string }): Promise<void>;
}

/**
 * One queue's consumer, with a prefetch. It is started on every (re)connect by its broker, and
 * restarts itself, with backoff, on a live connection when RabbitMQ cancels it (its queue was
 * deleted) or closes its channel, declaring the topology first since the queue may be gone.
 */
export class AmqpConsumer {
  /** The connection the consumer last started on. */
  #model: ChannelModel | undefined;
  /** The channel it consumes on; undefined while it waits for a connection or a restart. */
  #channel: AmqpChannel | undefined;
  #tag: string | undefined;
  #starting = false;
  #retry: NodeJS.Timeout | undefined;
  #attempts = 0;
  #stopped = false;
  readonly #inFlight = new Set<Promise<void>>();
  /** Channels that closed: a delivery that came on one is not settled (RabbitMQ requeued it). */
  readonly #closedChannels = new WeakSet<AmqpChannel>();
  /** Each channel's acks waiting to go out. */
  readonly #acksOf = new WeakMap<AmqpChannel, AckCoalescer<ConsumeMessage>>();

  constructor(
    readonly queue: string,
    private readonly handler: DeliveryHandler,
    private readonly prefetch: number,
    private readonly deps: AmqpConsumerDeps,
  ) {}

  /**
   * Starts consuming on `model`, unless it already does (or is stopped). Never throws: a failure
   * is logged and the start tried again later.
   */
  async start(model: ChannelModel, declare = false): Promise<void> {
    if (this.#stopped || this.#starting || (this.#channel && this.#model === model)) return;
    this.#starting = true;
    this.#model = model;
    let channel: AmqpChannel | undefined;
    try {
      channel = await model.createChannel();
      const opened = channel;
      opened.on('error', (error: Error) => this.deps.logger.warn({ err: error.message, queue: this.queue }, 'RabbitMQ closed a consumer channel'));
      opened.on('close', () => this.#onClosed(opened));
      if (declare) await declareTopology(opened, this.deps.topology);
      await opened.prefetch(this.prefetch);
      const acks = new AckCoalescer<ConsumeMessage>(opened, (error) => this.#settleFailed(error));
      this.#acksOf.set(opened, acks);
      this.#channel = opened;
      const { consumerTag } = await opened.consume(this.queue, (message) => this.#onMessage(opened, acks, message));
      this.#tag = consumerTag;
      if (this.#attempts > 0) this.deps.logger.info({ queue: this.queue }, 'consumer resumed');
      this.#attempts = 0;
      if (this.#stopped) await this.#closeChannel();
    } catch (error) {
      if (this.#channel === channel) this.#channel = undefined;
      await channel?.close().catch(() => undefined);
      if (!this.#stopped) {
        this.deps.logger.warn({ err: (error as Error).message, queue: this.queue }, 'cannot start consuming; retrying');
        this.#restartLater();
      }
    } finally {
      this.#starting = false;
    }
  }

  /** Stops taking deliveries, then waits (up to `graceMs`) for the ones in hand to be settled. */
  async stop(graceMs: number): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#retry);
    const channel = this.#channel;
    if (channel && this.#tag) await channel.cancel(this.#tag).catch(() => undefined);
    if (this.#inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#inFlight]),
        new Promise((done) => {
          timer = setTimeout(done, graceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    await this.#closeChannel();
  }

  #onClosed(channel: AmqpChannel): void {
    this.#closedChannels.add(channel);
    if (this.#channel !== channel) return;
    this.#channel = undefined;
    this.#tag = undefined;
    // A lost connection closes its channels too: the reconnect starts the consumer, and this
    // restart, finding it running, does nothing.
    this.#restartLater();
  }

  #restartLater(): void {
    if (this.#stopped || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      const model = this.deps.connection();
      if (model && !this.#stopped) void this.start(model, true);
    }, reopenDelay(++this.#attempts));
  }

  #onMessage(channel: AmqpChannel, acks: AckCoalescer<ConsumeMessage>, message: ConsumeMessage | null): void {
    if (message === null) {
      // RabbitMQ cancelled the consumer (its queue was deleted, say) on a live connection. The
      // deliveries in hand can still be settled on this channel: close it once they are.
      this.deps.logger.warn({ queue: this.queue }, 'RabbitMQ cancelled the consumer; subscribing again');
      if (this.#channel === channel) {
        this.#channel = undefined;
        this.#tag = undefined;
        void Promise.allSettled([...this.#inFlight]).then(() => {
          this.#flush(channel, acks);
          return channel.close().catch(() => undefined);
        });
        this.#restartLater();
      }
      return;
    }
    acks.received(message);
    const work = this.#handle(channel, acks, message).finally(() => this.#inFlight.delete(work));
    this.#inFlight.add(work);
  }

  async #handle(channel: AmqpChannel, acks: AckCoalescer<ConsumeMessage>, message: ConsumeMessage): Promise<void> {
    let outcome: DeliveryOutcome;
    try {
      outcome = await this.handler({
        body: message.content,
        messageId: typeof message.properties.messageId === 'string' ? message.properties.messageId : undefined,
        redelivered: message.fields.redelivered,
        headers: (message.properties.headers ?? {}) as Record<string, unknown>,
      });
    } catch (error) {
      this.deps.logger.error({ err: (error as Error).message, queue: this.queue }, 'delivery handler failed; requeueing');
      outcome = { action: 'requeue' };
    }
    // A delivery tag belongs to the channel it came on: once that channel closed, the broker has
    // already requeued the message, and settling it on another channel would be a protocol error.
    if (this.#closedChannels.has(channel)) return;
    try {
      if (outcome.action === 'ack') acks.ack(message);
      else if (outcome.action === 'requeue') {
        acks.settledElsewhere(message);
        channel.nack(message, false, true);
      } else await this.#deadLetter(channel, acks, message, outcome.reason);
    } catch (error) {
      this.#settleFailed(error);
    }
  }

  #settleFailed(error: unknown): void {
    this.deps.logger.warn({ err: (error as Error).message, queue: this.queue }, 'could not settle a delivery; the broker will redeliver it');
  }

  /** Sends a channel's waiting acks, if it is still open. */
  #flush(channel: AmqpChannel, acks: AckCoalescer<ConsumeMessage> | undefined): void {
    if (!acks || this.#closedChannels.has(channel)) return;
    try {
      acks.flush();
    } catch (error) {
      this.#settleFailed(error);
    }
  }

  async #deadLetter(channel: AmqpChannel, acks: AckCoalescer<ConsumeMessage>, message: ConsumeMessage, reason: string): Promise<void> {
    this.deps.logger.warn({ queue: this.queue, messageId: message.properties.messageId, reason }, 'message dead-lettered');
    try {
      await this.deps.publishDeadLetter(message.content, {
        messageId: typeof message.properties.messageId === 'string' ? message.properties.messageId : '',
        headers: { 'x-missive-queue': this.queue },
        reason,
      });
      acks.ack(message);
    } catch {
      // The queue's own dead-letter exchange still takes it, without the reason header.
      acks.settledElsewhere(message);
      channel.nack(message, false, false);
    }
  }

  async #closeChannel(): Promise<void> {
    const channel = this.#channel;
    this.#channel = undefined;
    if (channel) this.#flush(channel, this.#acksOf.get(channel));
    await channel?.close().catch(() => undefined);
  }
}
