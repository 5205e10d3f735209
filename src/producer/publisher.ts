import type { Broker } from '../broker/broker.js';
import { Batcher } from '../core/batcher.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { MessageRecord } from '../message/types.js';
import { encodeWire } from '../message/wire.js';
import type { MessageStore } from '../store/store.js';

/** What the producer and the scheduler need of a publisher. */
export interface PublisherLike {
  publish(record: MessageRecord): Promise<boolean>;
  flush(): Promise<void>;
}

/**
 * Publishes stored messages: a confirmed, persistent publish, then a note in the store that the
 * broker has it (so the outbox relay leaves it alone). Used by the producer, the scheduler and
 * dead-letter replay alike: one publish path, one message format.
 */
export class Publisher implements PublisherLike {
  readonly #confirmed: Batcher<string, undefined>;

  constructor(
    private readonly store: MessageStore,
    private readonly broker: Broker,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.#confirmed = new Batcher(async (ids) => {
      await this.store.markPublished(ids, this.clock.now());
      return ids.map(() => undefined);
    });
  }

  /**
   * Publishes one stored message. Resolves true once confirmed and recorded; false when the
   * broker could not take it, in which case the stored row's relay deadline guarantees a later
   * publish by the scheduler. Never rejects.
   */
  async publish(record: MessageRecord): Promise<boolean> {
    try {
      await this.broker.publish(record.channel, encodeWire(record), { messageId: record.id });
    } catch (error) {
      this.logger.warn(
        { messageId: record.id, err: (error as Error).message },
        'publish failed; the scheduler will relay the message',
      );
      return false;
    }
    try {
      await this.#confirmed.submit(record.id);
    } catch (error) {
      // The broker has the message; at worst the relay publishes it again and the worker,
      // finding it already delivered, skips the copy.
      this.logger.warn({ messageId: record.id, err: (error as Error).message }, 'could not record the publish confirm');
    }
    return true;
  }

  /** Waits until every confirm so far is recorded. */
  async flush(): Promise<void> {
    await this.#confirmed.idle();
  }
}
