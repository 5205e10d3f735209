import { Batcher } from '../core/batcher.js';
import type { Clock } from '../core/clock.js';
import { invalid } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import { routeDelivery } from '../message/routing.js';
import { parseMessage } from '../message/schema.js';
import type { MessageRecord, MessageStatus, NewMessage } from '../message/types.js';
import type { InsertResult, MessageInsert, MessageStore } from '../store/store.js';
import type { Metrics } from '../metrics/metrics.js';
import type { PublisherLike } from './publisher.js';

/** What `send` tells the caller. */
export interface SendReceipt {
  id: string;
  status: MessageStatus;
  /** False when the idempotency key was used before: `id` is then the first message's. */
  created: boolean;
  /**
   * For a message sent now: true once RabbitMQ confirmed it; false when RabbitMQ could not take
   * it (unreachable, say), the stored row then guaranteeing the scheduler publishes it later.
   * Absent for a message held for later and for a repeated idempotency key.
   */
  published?: boolean;
}

/** Checks that a message can be routed to a provider; throws a ValidationError naming the field. */
export type RouteCheck = (message: NewMessage) => void;

/** What the producer needs. */
export interface ProducerDeps {
  store: MessageStore;
  publisher: PublisherLike;
  clock: Clock;
  newId: IdGenerator;
  /** An unconfirmed immediate message is relayed by the scheduler after this many ms. */
  relayAfterMs: number;
  /** Refuses messages no configured provider can send. */
  checkRoute?: RouteCheck;
  metrics?: Metrics;
}

/**
 * The one producer interface for both delivery modes. A message is validated, stored (the
 * outbox), then, when due now, published with a broker confirm; a scheduled one waits in the
 * store for the scheduler. Concurrent sends share one store write per batch.
 */
export class Producer {
  readonly #inserts: Batcher<MessageInsert, InsertResult>;

  constructor(private readonly deps: ProducerDeps) {
    this.#inserts = new Batcher((inserts) => deps.store.insertMessages(inserts), {
      // Small enough that one insert (synchronous on SQLite) never holds up deliveries for long.
      maxSize: 250,
      concurrency: deps.store.parallelWrites,
      isolateFailures: true,
    });
  }

  /** Validates and sends a message; throws ValidationError naming each field at fault. */
  async send(input: unknown): Promise<SendReceipt> {
    return this.sendMessage(parseMessage(input));
  }

  /** Sends an already validated message. */
  async sendMessage(message: NewMessage): Promise<SendReceipt> {
    this.deps.checkRoute?.(message);
    const now = this.deps.clock.now();
    const route = routeDelivery(message.delivery, now);
    const id = this.deps.newId();
    const insert: MessageInsert =
      route.path === 'hold'
        ? { id, message, status: 'scheduled', dueAt: route.dueAt, scheduledAt: route.dueAt, now }
        : {
            id,
            message,
            status: 'queued',
            dueAt: now + this.deps.relayAfterMs,
            scheduledAt: message.delivery.mode === 'scheduled' ? Date.parse(message.delivery.at) : null,
            now,
          };
    const result = await this.#inserts.submit(insert);
    if (result.created) this.deps.metrics?.accepted(message.channel, message.delivery.mode);
    if (result.created && result.status === 'queued') {
      const published = await this.deps.publisher.publish(toRecord(insert));
      return { id: result.id, status: result.status, created: true, published };
    }
    return result;
  }

  /** Waits for writes in progress. */
  async flush(): Promise<void> {
    await this.#inserts.idle();
    await this.deps.publisher.flush();
  }
}

/** The record just inserted, without a round trip to read it back (built without spread: hot path). */
function toRecord(insert: MessageInsert): MessageRecord {
  const { message } = insert;
  const record: MessageRecord = {
    channel: message.channel,
    to: message.to,
    content: message.content,
    delivery: message.delivery,
    id: insert.id,
    status: insert.status,
    attempts: 0,
    scheduledAt: insert.scheduledAt,
    dueAt: insert.dueAt,
    lastProvider: null,
    providerMessageId: null,
    lastError: null,
    createdAt: insert.now,
    updatedAt: insert.now,
    publishedAt: null,
    deliveredAt: null,
    batchId: insert.batch?.id ?? null,
    batchItem: insert.batch?.item ?? null,
  };
  if (message.from !== undefined) record.from = message.from;
  if (message.provider !== undefined) record.provider = message.provider;
  if (message.metadata !== undefined) record.metadata = message.metadata;
  if (message.idempotencyKey !== undefined) record.idempotencyKey = message.idempotencyKey;
  return record;
}

/** A route check that refuses a message naming an unknown provider or a channel nobody serves. */
export function routeCheckFor(canSend: (message: NewMessage) => 'ok' | 'unknown_provider' | 'no_provider'): RouteCheck {
  return (message) => {
    const verdict = canSend(message);
    if (verdict === 'unknown_provider') {
      throw invalid('provider', 'unknown_provider', `no configured provider "${message.provider}" can send ${message.channel}`);
    }
    if (verdict === 'no_provider') {
      throw invalid('channel', 'no_provider', `no provider is configured for the ${message.channel} channel`);
    }
  };
}
