import { once } from 'node:events';
import { connect } from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import { CONCURRENCY } from '../config/sizes.js';
import { seqOf, toData } from './codec.js';
import type { BenchMessage, BenchSystem, MessageHandler, RunContext, SystemDefinition } from './system.js';

/**
 * Safety net only: RabbitMQ drops the queue an hour after its last use, so a run killed before
 * its teardown leaves nothing behind for long. Expiry needs an idle queue; it costs nothing here.
 */
const QUEUE_EXPIRES_MS = 3_600_000;

/** Raw amqplib: the ceiling of what any RabbitMQ-based system can do with the same guarantees. */
class AmqplibSystem implements BenchSystem {
  private readonly queue: string;
  private model: ChannelModel | undefined;
  private publisher: ConfirmChannel | undefined;
  private consumer: Channel | undefined;
  private consumerTag: string | undefined;
  /** Set while the socket buffer is full; later sends wait for it (amqplib's backpressure). */
  private drained: Promise<unknown> | undefined;

  constructor(private readonly context: RunContext) {
    this.queue = `bench.amqplib.${context.runId}`;
  }

  async setup(): Promise<void> {
    this.model = await connect(this.context.urls.amqp);
    this.publisher = await this.model.createConfirmChannel();
    await this.publisher.assertQueue(this.queue, {
      durable: true,
      arguments: { 'x-expires': QUEUE_EXPIRES_MS },
    });
  }

  async startWorkers(handler: MessageHandler): Promise<void> {
    const consumer = await this.requireModel().createChannel();
    this.consumer = consumer;
    await consumer.prefetch(this.context.concurrency);
    const reply = await consumer.consume(
      this.queue,
      (delivery) => {
        if (delivery === null) return; // the broker cancelled the consumer (queue deleted)
        handler(seqOf(JSON.parse(delivery.content.toString('utf8'))));
        consumer.ack(delivery);
      },
      { noAck: false },
    );
    this.consumerTag = reply.consumerTag;
  }

  async stopWorkers(): Promise<void> {
    if (this.consumer === undefined) return;
    if (this.consumerTag !== undefined) await this.consumer.cancel(this.consumerTag);
    await this.consumer.close();
    this.consumer = undefined;
    this.consumerTag = undefined;
  }

  async send(message: BenchMessage): Promise<void> {
    const publisher = this.requirePublisher();
    if (this.drained !== undefined) await this.drained;
    const content = Buffer.from(JSON.stringify(toData(message)), 'utf8');
    await new Promise<void>((resolve, reject) => {
      const writable = publisher.sendToQueue(
        this.queue,
        content,
        { persistent: true, contentType: 'application/json' },
        (error: unknown) => (error == null ? resolve() : reject(asError(error))),
      );
      if (!writable && this.drained === undefined) {
        this.drained = once(publisher, 'drain').finally(() => {
          this.drained = undefined;
        });
      }
    });
  }

  async sendMany(messages: readonly BenchMessage[]): Promise<void> {
    await Promise.all(messages.map((message) => this.send(message)));
    await this.requirePublisher().waitForConfirms();
  }

  async teardown(): Promise<void> {
    await this.stopWorkers().catch(() => undefined);
    const model = this.model ?? (await connect(this.context.urls.amqp));
    this.model = undefined;
    try {
      const channel = await model.createChannel();
      await channel.deleteQueue(this.queue);
      await channel.close();
    } finally {
      await model.close();
    }
  }

  private requireModel(): ChannelModel {
    if (this.model === undefined) throw new Error('amqplib: setup() has not run');
    return this.model;
  }

  private requirePublisher(): ConfirmChannel {
    if (this.publisher === undefined) throw new Error('amqplib: setup() has not run');
    return this.publisher;
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Raw amqplib on a durable classic queue with publisher confirms and prefetch. */
export const amqplibSystem: SystemDefinition = {
  name: 'amqplib',
  role: 'ceiling',
  services: ['rabbitmq'],
  scheduling: false,
  schedulingNote: 'RabbitMQ has no delivery at a set time without a plugin',
  settings: {
    queue: 'classic, durable',
    messages: 'persistent (delivery mode 2)',
    publish: 'confirm channel, one confirm per message, ≤ maxInFlight unconfirmed',
    prefetch: CONCURRENCY,
    ack: 'after the handler',
  },
  packages: ['amqplib'],
  durability: () => 'RabbitMQ durable queue, persistent messages, publisher confirms: survives a broker restart',
  create: (context) => new AmqplibSystem(context),
};
