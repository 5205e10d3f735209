import type { Broker } from '../broker/broker.js';
import { Batcher } from '../core/batcher.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { MessageRecord } from '../message/types.js';
import { encodeWire } from '../message/wire.js';
import type { MessageStore } from '../store/store.js';

/** How long a confirm waits to be recorded with others, in ms; far below the relay deadline. */
const CONFIRM_RECORD_DELAY_MS = 250;

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
    // Confirms are recorded a little later, in large batches: by then a worker has usually
    // claimed the message already, and the write finds nothing left to take off the relay.
    this.#confirmed = new Batcher(
      async (ids) => {
        await this.store.markPublished(ids, this.clock.now());
        return ids.map(() => undefined);
      },
      { maxSize: 2_000, maxWaitMs: CONFIRM_RECORD_DELAY_MS },
    );
  }

  /**
   * Publishes one stored message. Resolves true once the broker confirmed it (the store hears of
   * the confirm shortly after, in the background); false when the broker could not take it, in
   * which case the stored row's relay deadline guarantees a later publish by the scheduler.
   * Never rejects.
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
    this.#confirmed.submit(record.id).catch((error: unknown) => {
      // The broker has the message; at worst the relay publishes it again and the worker,
      // finding it already delivered, skips the copy.
      this.logger.warn({ messageId: record.id, err: (error as Error).message }, 'could not record the publish confirm');
    });
    return true;
  }

  /** Waits until every confirm so far is recorded. */
  async flush(): Promise<void> {
    await this.#confirmed.idle();
  }
}
