import type { Message, Options } from 'amqplib';
import type { PublishOptions } from './broker.js';
import { BrokerUnavailableError } from './errors.js';
import { WriteGate } from './write-gate.js';

/** What publishing needs of an amqplib confirm channel; tests substitute a fake. */
export interface ConfirmChannelLike {
  /** Writes a message; false when the write buffer is full (wait for `drain`). */
  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish, confirmed: (error: unknown) => void): boolean;
  on(event: 'drain' | 'close', listener: () => void): unknown;
  on(event: 'return', listener: (message: Message) => void): unknown;
}

/**
 * Confirmed, persistent, mandatory publishing on one confirm channel. A publish resolves on the
 * broker's confirm and fails with BrokerUnavailableError otherwise: refused, unroutable
 * (returned: a queue was deleted), the channel closed, or no confirm within the timeout. While
 * the channel's write buffer is full, publishes wait for it to drain; that wait counts against
 * their timeout, and ends at once if the channel closes, since a closed channel never drains.
 */
export class ConfirmPublisher {
  readonly #gate = new WriteGate();
  /** Ids of messages returned as unroutable, until their confirm (which follows the return) arrives. */
  readonly #returned = new Set<string>();
  #closed = false;

  constructor(
    readonly channel: ConfirmChannelLike,
    /** Called on each unroutable message, so the topology can be declared again. */
    onUnroutable: (message: Message) => void = () => undefined,
  ) {
    channel.on('drain', () => this.#gate.drained());
    channel.on('close', () => this.close());
    channel.on('return', (message) => {
      const id = message.properties.messageId;
      this.#returned.add(typeof id === 'string' ? id : '');
      onUnroutable(message);
    });
  }

  /** False once the channel closed. */
  get open(): boolean {
    return !this.#closed;
  }

  /** The channel is gone: publishes waiting for its buffer to drain fail now. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#returned.clear();
    this.#gate.fail(new BrokerUnavailableError('the RabbitMQ channel closed before it could take the message'));
  }

  /** Publishes and resolves on the broker's confirm; fails after `timeoutMs` at the latest. */
  publish(exchange: string, routingKey: string, body: Buffer, options: PublishOptions, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error === undefined) resolve();
        else reject(error instanceof BrokerUnavailableError ? error : new BrokerUnavailableError(`cannot publish to RabbitMQ: ${(error as Error).message}`));
      };
      const timer = setTimeout(() => settle(new BrokerUnavailableError(`RabbitMQ did not confirm within ${timeoutMs} ms`)), Math.max(0, timeoutMs));
      const confirmed = (error: unknown) => {
        if (error) settle(new BrokerUnavailableError(`RabbitMQ did not take the message: ${(error as Error).message}`));
        else if (this.#returned.size > 0 && this.#returned.delete(options.messageId)) settle(new BrokerUnavailableError('RabbitMQ could not route the message to a queue'));
        else settle();
      };
      const properties: Options.Publish = {
        persistent: true,
        // Unroutable, RabbitMQ returns it before confirming rather than drop it.
        mandatory: true,
        messageId: options.messageId,
        contentType: 'application/json',
        timestamp: Math.floor(Date.now() / 1000),
        headers: options.headers,
      };
      const write = () => {
        // A caller who gave up waiting has its message relayed from the store: send no copy.
        if (settled) return;
        if (this.#closed) {
          settle(new BrokerUnavailableError('the RabbitMQ channel is closed'));
          return;
        }
        try {
          if (!this.channel.publish(exchange, routingKey, body, properties, confirmed)) this.#gate.shut();
        } catch (error) {
          settle(error);
        }
      };
      const waiting = this.#gate.wait();
      if (waiting) waiting.then(write, settle);
      else write();
    });
  }
}
