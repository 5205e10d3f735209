import type { Channel } from '../message/channels.js';

/** The names of every exchange and queue, all carrying the configured prefix. */
export interface Topology {
  /** Direct exchange; routing key = channel. */
  exchange: string;
  /** Fanout exchange the channel queues dead-letter into. */
  deadLetterExchange: string;
  /** Where dead letters wait for inspection and replay. */
  deadLetterQueue: string;
  /** The durable queue of a channel. */
  queue(channel: Channel): string;
}

/** Builds the names for `prefix` (MISSIVE_AMQP_PREFIX, default `missive`). */
export function topologyFor(prefix: string): Topology {
  return {
    exchange: `${prefix}.dispatch`,
    deadLetterExchange: `${prefix}.dead-letter`,
    deadLetterQueue: `${prefix}.dead-letter`,
    queue: (channel) => `${prefix}.${channel}`,
  };
}
