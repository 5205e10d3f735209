import type { Channel } from '../message/channels.js';

/** Properties of a published message. */
export interface PublishOptions {
  /** The Missive message id (AMQP `message-id`). */
  messageId: string;
  /** Extra AMQP headers. */
  headers?: Record<string, string | number>;
}

/** A message received from a queue. */
export interface Delivery {
  body: Buffer;
  messageId: string | undefined;
  /** True when the broker delivered it before (a consumer died or the connection dropped). */
  redelivered: boolean;
  headers: Record<string, unknown>;
}

/**
 * What to do with a delivery once handled: acknowledge it; put it back for another try (the
 * store was unreachable); or move it to the dead-letter queue with a reason.
 */
export type DeliveryOutcome = { action: 'ack' } | { action: 'requeue' } | { action: 'dead_letter'; reason: string };

/** Handles one delivery; never throws (a throw is treated as `requeue`). */
export type DeliveryHandler = (delivery: Delivery) => Promise<DeliveryOutcome>;

/** A running consumer. */
export interface Consumer {
  /** Stops taking deliveries, then waits (up to `graceMs`) for the ones in hand to be settled. */
  stop(graceMs: number): Promise<void>;
}

/**
 * The message broker as the core sees it: confirmed, persistent publishing to the channel queues,
 * consuming with a prefetch, and a dead-letter queue. The AMQP adapter implements it at the edge.
 */
export interface Broker {
  /** Publishes for delivery on `channel`; resolves once the broker confirmed it. */
  publish(channel: Channel, body: Buffer, options: PublishOptions): Promise<void>;
  /** Publishes to the dead-letter queue with the reason in a header; resolves on confirm. */
  publishDeadLetter(body: Buffer, options: PublishOptions & { reason: string }): Promise<void>;
  /** Starts consuming a channel's queue. */
  consume(channel: Channel, handler: DeliveryHandler, options: { prefetch: number }): Promise<Consumer>;
  /** True while connected to the broker. */
  isConnected(): boolean;
  /** Resolves when connected, rejects after `timeoutMs`. */
  waitForConnection(timeoutMs: number): Promise<void>;
  /** Number of messages waiting in a channel's queue (or the dead-letter queue). */
  queueDepth(queue: Channel | 'dead-letter'): Promise<number>;
  close(): Promise<void>;
}
