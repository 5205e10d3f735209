import type { Clock, Random } from '../../core/clock.js';
import type { ErrorInfo } from '../../message/types.js';
import type { Metrics } from '../../metrics/metrics.js';
import { isProviderError } from '../../providers/errors.js';
import type { ProviderInstance } from '../../providers/instances.js';
import type { OutgoingMessage, SendResult } from '../../providers/provider.js';
import type { BreakerBoard } from '../../resilience/breaker/board.js';
import type { Permit } from '../../resilience/breaker/circuit-breaker.js';
import { retry } from '../../resilience/retry.js';
import type { ResolvedRetryOptions } from '../../resilience/retry-decision.js';
import { withTimeout } from '../../resilience/timeout.js';
import { errorInfo } from '../../worker/outcome.js';
import type { ItemOutcome } from '../store.js';
import type { ClaimedItem } from '../types.js';
import type { Slots } from './slots.js';

/** What sending items needs, the same for every item of a run. */
export interface ItemSenderDeps {
  provider: ProviderInstance;
  breakers: BreakerBoard;
  clock: Clock;
  random: Random;
  retry: ResolvedRetryOptions;
  /** Timeout of one provider call, in ms. */
  attemptTimeoutMs: number;
  /** Waits between attempts; default the real `sleep`. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told of every attempt that failed and will be retried; default nowhere. */
  metrics?: Pick<Metrics, 'batchItemRetried'>;
}

/** The batch an item belongs to, as providers see it. */
export interface ItemBatch {
  id: string;
  channel: OutgoingMessage['channel'];
  startAt: number | null;
}

/** The run an item is sent in. */
export interface ItemRun {
  /** Concurrency slots; the caller has taken one for the item's first attempt. */
  slots: Slots;
  /** Aborted when the run stops taking work: no new attempt starts, waits end, the item is released. */
  drain: AbortSignal;
  /** Aborted to cut provider calls short (shutdown past its grace). */
  shutdown: AbortSignal;
  /** Told when the circuit refused a call, with when it may next be probed. */
  onCircuitRefused(until: number): void;
}

/** How sending one item ended. */
export type ItemResult =
  | { kind: 'sent'; attempts: number; providerMessageId: string }
  | { kind: 'failed'; attempts: number; error: ErrorInfo }
  /** Not sent and not failed: it goes back to `pending` with its retries unspent. */
  | { kind: 'released' };

/** Thrown before an attempt the circuit refused; ends the retry loop as is. */
class CircuitRefused extends Error {
  constructor() {
    super('the circuit refused the call');
    this.name = 'CircuitRefused';
  }
}

/**
 * Sends one item: every attempt under a concurrency slot, the provider's circuit breaker and the
 * attempt timeout, retried with exponential backoff per item (waiting without a slot). A call the
 * circuit refuses, or the run starting to drain, releases the item instead of failing it; a call
 * already made is let finish and its success recorded. Never throws for a provider's failure.
 */
export async function sendItem(batch: ItemBatch, item: ClaimedItem, deps: ItemSenderDeps, run: ItemRun): Promise<ItemResult> {
  const { provider, breakers } = deps;
  let holdsSlot = true;
  let permit: Permit | undefined;
  let attempts = 0;
  const giveSlot = (): void => {
    if (holdsSlot) run.slots.give();
    holdsSlot = false;
  };
  const attempt = async (number: number): Promise<SendResult> => {
    const granted = permit as Permit;
    attempts = number;
    try {
      const result = await withTimeout(
        deps.attemptTimeoutMs,
        (attempt) => provider.provider.send(outgoingItem(batch, item, number), attempt),
        run.shutdown,
      );
      granted.success();
      return result;
    } catch (error) {
      if (run.shutdown.aborted) granted.release();
      else granted.failure(error);
      throw error;
    } finally {
      giveSlot();
    }
  };
  try {
    const result = await retry(attempt, {
      ...deps.retry,
      clock: deps.clock,
      random: deps.random,
      signal: run.drain,
      ...(deps.sleep !== undefined && { sleep: deps.sleep }),
      onRetry: ({ error }) => deps.metrics?.batchItemRetried(batch.channel, provider.name, error.kind),
      beforeAttempt: async () => {
        if (!holdsSlot) {
          await run.slots.take(run.drain);
          holdsSlot = true;
        }
        const answer = breakers.acquire(provider.name);
        if (!answer.permitted) {
          giveSlot();
          run.onCircuitRefused(answer.until);
          throw new CircuitRefused();
        }
        permit = answer;
      },
    });
    return { kind: 'sent', attempts, providerMessageId: result.providerMessageId };
  } catch (error) {
    giveSlot();
    if (error instanceof CircuitRefused || run.drain.aborted || !isProviderError(error)) return { kind: 'released' };
    return { kind: 'failed', attempts, error: errorInfo(error, provider.name) };
  }
}

/** The message a provider is handed for one attempt of an item; its key is `<batchId>:<item>`. */
export function outgoingItem(batch: ItemBatch, item: ClaimedItem, attempt: number): OutgoingMessage {
  const key = `${batch.id}:${item.item}`;
  return {
    id: key,
    channel: batch.channel,
    to: item.to,
    content: item.message.content,
    ...(item.message.from !== undefined && { from: item.message.from }),
    ...(item.message.metadata !== undefined && { metadata: item.message.metadata }),
    idempotencyKey: key,
    attempt,
    delivery: batch.startAt === null ? { mode: 'immediate' } : { mode: 'scheduled', at: new Date(batch.startAt).toISOString() },
    batch: { id: batch.id, item: item.item },
  };
}

/** The outcome to record for an item's result, as of `at`. */
export function itemOutcome(item: number, result: ItemResult, at: number): ItemOutcome {
  switch (result.kind) {
    case 'sent':
      return { item, kind: 'sent', attempts: result.attempts, providerMessageId: result.providerMessageId, at };
    case 'failed':
      return { item, kind: 'failed', attempts: result.attempts, error: result.error, at };
    case 'released':
      return { item, kind: 'released' };
  }
}
