import { Batcher } from '../../core/batcher.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { persist } from '../../store/persist.js';
import type { BatchStore, ItemOutcome } from '../store.js';

/** How long an outcome waits for others to share its write, in ms. */
const OUTCOME_WAIT_MS = 10;

/**
 * Records item outcomes as they happen, many per statement: outcomes submitted close together
 * share one transaction (items, counters, progress), and a store outage delays them instead of
 * losing them. An outcome that still cannot be written leaves its item `sending`; it is sent
 * again, with the same idempotency key, once its lease expires.
 */
export class OutcomeWriter {
  readonly #batcher: Batcher<ItemOutcome, boolean>;

  constructor(
    batchId: string,
    owner: string,
    store: BatchStore,
    clock: Clock,
    private readonly logger: Logger,
  ) {
    this.#batcher = new Batcher(
      (outcomes) => persist('record batch item outcomes', () => store.recordOutcomes(batchId, owner, outcomes, clock.now()), logger),
      // Outcomes wait a few ms for company: at thousands of items a second that makes one
      // transaction of dozens instead of one per item, which is what keeps a fast run fast.
      { maxWaitMs: OUTCOME_WAIT_MS },
    );
  }

  /** Records one outcome; resolves with whether it applied, or false when it could not be written. */
  async write(outcome: ItemOutcome): Promise<boolean> {
    try {
      return await this.#batcher.submit(outcome);
    } catch (error) {
      this.logger.error({ item: outcome.item, err: (error as Error).message }, 'cannot record a batch item outcome; it is retried after its lease expires');
      return false;
    }
  }

  /** Resolves once everything submitted has been written (or given up on). */
  idle(): Promise<void> {
    return this.#batcher.idle();
  }
}
