import type { Clock, Random } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { ProviderInstance, ProviderSet } from '../../providers/instances.js';
import type { BreakerBoard } from '../../resilience/breaker/board.js';
import type { ResolvedRetryOptions } from '../../resilience/retry-decision.js';
import type { BatchStore } from '../store.js';
import type { ItemSenderDeps } from './send-item.js';

/** What the batch runner and each of its runs need. */
export interface RunnerDeps {
  store: BatchStore;
  providers: ProviderSet;
  /** The process's circuit breakers, shared with the worker: one per provider instance. */
  breakers: BreakerBoard;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** Retry policy of each item (setting `delivery.retry`). */
  retry: ResolvedRetryOptions;
  /** Timeout of one provider call, in ms (setting `delivery.attemptTimeoutMs`). */
  attemptTimeoutMs: number;
  /** This runner's lease owner name, unique per runner. */
  owner: string;
  /** Items claimed per lease (setting `batch.chunkSize`). */
  chunkSize: number;
  /** How long a claim lasts without renewal, in ms (setting `batch.leaseMs`). */
  leaseMs: number;
  /** How often a run re-reads its batch (pause, cancel from any process) and renews its leases, in ms. */
  controlIntervalMs: number;
  /** After a failed probe while this process's circuit is closed, how long until the next one, in ms. */
  probeBackoffMs: number;
  /** Waits between attempts of an item (and a probe's short waits); default the real `sleep`. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Where item outcomes, retries and latencies are reported; default nowhere. */
  metrics?: Metrics;
}

/** The part of the runner's dependencies sending items through `provider` needs. */
export function senderDeps(deps: RunnerDeps, provider: ProviderInstance): ItemSenderDeps {
  return {
    provider,
    breakers: deps.breakers,
    clock: deps.clock,
    random: deps.random,
    retry: deps.retry,
    attemptTimeoutMs: deps.attemptTimeoutMs,
    ...(deps.sleep !== undefined && { sleep: deps.sleep }),
    ...(deps.metrics !== undefined && { metrics: deps.metrics }),
  };
}
