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
  /** A message failed for good and was dead-lettered (`provider` null when none could be tried). */
  deadLettered(channel: Channel, provider: string | null, reason: string): void;
  /** The scheduler published a due message `latenessMs` after its due time. */
  dispatched(latenessMs: number): void;
}

/** Metrics that go nowhere. */
export const noopMetrics: Metrics = {
  accepted: () => undefined,
  delivered: () => undefined,
  retried: () => undefined,
  deadLettered: () => undefined,
  dispatched: () => undefined,
};
