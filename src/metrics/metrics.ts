import type { Channel } from '../message/channels.js';

/**
 * What the roles report as they work. The HTTP layer implements it with Prometheus; a process
 * that does not export metrics uses {@link noopMetrics}. Gauges read from the store or broker
 * (queue depth, batch items by status, breaker state) are collected at scrape time instead.
 */
export interface Metrics {
  /** The producer accepted a message. */
  accepted(channel: Channel, mode: 'immediate' | 'scheduled'): void;
  /** A provider accepted a message; `latencyMs` runs from acceptance (or due time) to delivery. */
  delivered(channel: Channel, provider: string, latencyMs: number): void;
  /** An attempt failed and will be retried. */
  retried(channel: Channel, provider: string, kind: string): void;
  /**
   * A message failed for good after a provider was tried (status `failed`: a permanent error or
   * its attempts spent), by the kind of its last error. It is dead-lettered too.
   */
  failed(channel: Channel, provider: string, kind: string): void;
  /**
   * A message went to the dead-letter queue: every `failed` one, and every `dead` one (no provider
   * could attempt it; `provider` null). `reason` is the last error's kind, else the status.
   */
  deadLettered(channel: Channel, provider: string | null, reason: string): void;
  /** The scheduler published a due message `latenessMs` after its due time. */
  dispatched(latenessMs: number): void;
  /**
   * A batch runner recorded an item's outcome: `sent` (`latencyMs` from its first attempt to the
   * provider's acceptance, retries included) or `failed` for good.
   */
  batchItem(channel: Channel, provider: string, outcome: 'sent' | 'failed', latencyMs: number): void;
  /** An attempt of a batch item failed and will be retried. */
  batchItemRetried(channel: Channel, provider: string, kind: string): void;
}

/** Metrics that go nowhere. */
export const noopMetrics: Metrics = {
  accepted: () => undefined,
  delivered: () => undefined,
  retried: () => undefined,
  failed: () => undefined,
  deadLettered: () => undefined,
  dispatched: () => undefined,
  batchItem: () => undefined,
  batchItemRetried: () => undefined,
};
