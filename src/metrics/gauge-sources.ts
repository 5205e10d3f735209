import type { ItemStatus } from '../batch/types.js';
import type { Channel } from '../message/channels.js';
import type { MessageStatus } from '../message/types.js';
import type { BreakerState } from '../resilience/breaker/state.js';

/**
 * Where the gauges read at scrape time come from. Each source is optional (a process reports
 * what it has: breakers only where a worker runs) and may fail; a failing source leaves its
 * gauge empty for that scrape rather than failing the scrape.
 */
export interface GaugeSources {
  /** The circuit state of each provider instance this process calls. */
  breakerStates?(): Promise<{ provider: string; state: BreakerState }[]>;
  /** How many messages are in each status. */
  messageCounts?(): Promise<Partial<Record<MessageStatus, number>>>;
  /**
   * Batch items by status: `pending` and `sending` of unfinished batches (a cancelled batch's
   * unsent items are not waiting for anything), `sent` and `failed` of every batch.
   */
  batchItemCounts?(): Promise<Partial<Record<ItemStatus, number>>>;
  /** Messages waiting in each channel queue and the dead-letter queue; empty while disconnected. */
  queueDepths?(): Promise<{ queue: Channel | 'dead-letter'; depth: number }[]>;
}

/** The value of `missive_breaker_state` for a circuit state. */
export const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };
