import { setMaxListeners } from 'node:events';
import type { Broker, Consumer, Delivery, DeliveryOutcome } from '../broker/broker.js';
import { Batcher } from '../core/batcher.js';
import { type Clock, type Random, sleep } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { throttledLogger } from '../core/throttled-logger.js';
import { CHANNELS, type Channel } from '../message/channels.js';
import type { ClaimedMessage, MessageRecord } from '../message/types.js';
import { decodeWire, encodeWire, WireFormatError } from '../message/wire.js';
import type { ProviderSet } from '../providers/instances.js';
import type { BreakerBoard } from '../resilience/breaker/board.js';
import type { ResolvedRetryOptions } from '../resilience/retry-decision.js';
import { isDataStoreError, persist } from '../store/persist.js';
import type { MessageStore, Transition } from '../store/store.js';
import type { Metrics } from '../metrics/metrics.js';
import { attemptDelivery } from './attempt.js';
import { planOutcome } from './outcome.js';
import { toOutgoing } from './outgoing.js';

/** The store calls a worker makes (the SQL message stores implement them; tests fake them). */
export type WorkerStoreLike = Pick<MessageStore, 'parallelWrites' | 'claimForDelivery' | 'applyTransitions' | 'getMessage'>;

/** The broker calls a worker makes. */
export type WorkerBrokerLike = Pick<Broker, 'consume' | 'publishDeadLetter'>;

/** What a worker needs. */
export interface WorkerDeps {
  store: WorkerStoreLike;
  broker: WorkerBrokerLike;
  providers: Pick<ProviderSet, 'candidates'>;
  breakers: BreakerBoard;
  clock: Clock;
  random: Random;
  logger: Logger;
  retry: ResolvedRetryOptions;
  /** Timeout of one provider call, in ms. */
  attemptTimeoutMs: number;
  /** Deliveries in hand per channel queue. */
  prefetch: number;
  metrics?: Metrics;
}

/** A claim request: a delivery's message id, and whether the broker handed that copy out before. */
interface ClaimRequest {
  id: string;
  redelivered: boolean;
}

/** How often a store outage met by every claim is logged, in ms. */
const CLAIM_OUTAGE_LOG_INTERVAL_MS = 10_000;

/**
 * Consumes the channel queues and delivers each message through its provider: claim it in the
 * store (skipping copies already delivered), attempt it under retry policy and circuit breakers,
 * record the outcome, then acknowledge. Claims and outcomes of concurrent deliveries share one
 * store write per batch.
 */
export class Worker {
  readonly #claims: Batcher<ClaimRequest, ClaimedMessage | undefined>;
  readonly #outcomes: Batcher<Transition, boolean>;
  readonly #shutdown = new AbortController();
  /** Logs what every claim in flight meets at once (the store down) a few times, not per message. */
  readonly #claimLog: Logger;
  #consumers: Consumer[] = [];

  constructor(private readonly deps: WorkerDeps) {
    // Every attempt in flight listens for shutdown on this one signal.
    setMaxListeners(0, this.#shutdown.signal);
    this.#claimLog = throttledLogger(deps.logger, deps.clock, CLAIM_OUTAGE_LOG_INTERVAL_MS);
    // A message has at most one claim and one outcome in flight, so batches may overlap. A claim
    // the store refuses for good is retried alone, so it fails alone; an outage fails them all.
    this.#claims = new Batcher(
      async (requests) => {
        const ids = requests.map((request) => request.id);
        const redelivered = requests.filter((request) => request.redelivered).map((request) => request.id);
        const claimed = await deps.store.claimForDelivery(ids, deps.clock.now(), redelivered);
        const byId = new Map(claimed.map((record) => [record.id, record]));
        // Two copies of one message in one batch: the first one claims it, the other is a copy.
        return ids.map((id) => {
          const record = byId.get(id);
          byId.delete(id);
          return record;
        });
      },
      { concurrency: deps.store.parallelWrites, isolateFailures: isDataStoreError },
    );
    this.#outcomes = new Batcher((transitions) => deps.store.applyTransitions(transitions), {
      concurrency: deps.store.parallelWrites,
    });
  }

  /** Starts consuming every channel queue (or those given). */
  async start(channels: readonly Channel[] = CHANNELS): Promise<void> {
    for (const channel of channels) {
      this.#consumers.push(
        await this.deps.broker.consume(channel, (delivery) => this.handle(delivery), { prefetch: this.deps.prefetch }),
      );
    }
  }

  /**
   * Stops taking messages and lets those in hand finish, be recorded and acknowledged, within
   * `graceMs`; provider calls still running after that are aborted and their messages requeued.
   */
  async stop(graceMs: number): Promise<void> {
    const abortLater = setTimeout(() => this.#shutdown.abort(new Error('worker shutting down')), graceMs);
    await Promise.all(this.#consumers.map((consumer) => consumer.stop(graceMs + 5_000)));
    clearTimeout(abortLater);
    this.#consumers = [];
    await this.#claims.idle();
    await this.#outcomes.idle();
  }

  /** Handles one delivery from a queue. */
  async handle(delivery: Delivery): Promise<DeliveryOutcome> {
    const { logger, store } = this.deps;
    let id: string;
    try {
      id = decodeWire(delivery.body).id;
    } catch (error) {
      const reason = error instanceof WireFormatError ? error.message : String(error);
      return { action: 'dead_letter', reason: `unreadable message: ${reason}` };
    }
    let record: ClaimedMessage | undefined;
    try {
      const request = { id, redelivered: delivery.redelivered };
      record = await persist('claim a message', () => this.#claims.submit(request), this.#claimLog, this.#shutdown.signal);
    } catch (error) {
      return this.claimFailed(id, error);
    }
    if (!record) return this.skip(id, delivery.redelivered);

    const candidates = this.deps.providers.candidates(record.channel, record.provider);
    const { breakers, clock, attemptTimeoutMs: timeoutMs } = this.deps;
    const result = await attemptDelivery(toOutgoing(record), candidates, { breakers, clock, timeoutMs }, this.#shutdown.signal);
    const plan = planOutcome(result, record, this.deps.retry, this.deps.random, this.deps.clock.now());
    if (!plan) {
      // Interrupted by shutdown: hand the message back as it was.
      await store
        .applyTransitions([{ id, from: ['sending'], changes: { status: 'queued', attempts: record.attempts - 1 }, events: [], now: this.deps.clock.now() }])
        .catch(() => undefined);
      return { action: 'requeue' };
    }
    try {
      await persist('record a delivery outcome', () => this.#outcomes.submit(plan.transition), logger);
    } catch (error) {
      const reason = (error as Error).message;
      if (!isDataStoreError(error)) {
        this.#claimLog.error({ messageId: id, err: reason }, 'cannot record the outcome; the message will be redelivered');
        return this.requeueLater();
      }
      // A value the store refuses: redelivering would fail the same way for ever. The row is
      // marked dead, with Missive's reason instead of the refused change, so that it is listed
      // and can be replayed.
      logger.error({ messageId: id, err: reason }, 'cannot record the outcome; dead-lettering the message');
      await this.markDead(id, `cannot record the delivery outcome: ${reason}`);
      return { action: 'dead_letter', reason: `cannot record the delivery outcome: ${reason}` };
    }
    this.logOutcome(record, plan.transition);
    this.report(record, plan.transition);
    if (plan.deadLetter !== undefined) await this.copyToDeadLetters(record, plan.deadLetter, plan.transition);
    return { action: 'ack' };
  }

  private logOutcome(record: ClaimedMessage, transition: Transition): void {
    const { status, lastError, lastProvider, dueAt } = transition.changes;
    if (status === 'delivered') return;
    const fields = {
      messageId: record.id,
      channel: record.channel,
      attempt: record.attempts,
      provider: lastProvider,
      status,
      error: lastError?.message,
      ...(status === 'retrying' && dueAt != null && { nextAttemptAt: new Date(dueAt).toISOString() }),
    };
    if (status === 'retrying') this.deps.logger.info(fields, 'delivery attempt failed; will retry');
    else this.deps.logger.warn(fields, 'message failed for good and was dead-lettered');
  }

  private report(record: ClaimedMessage, transition: Transition): void {
    const metrics = this.deps.metrics;
    if (!metrics) return;
    const { status, lastProvider, lastError, deliveredAt } = transition.changes;
    const provider = lastProvider ?? null;
    if (status === 'delivered' && provider !== null) {
      const since = record.scheduledAt !== null && record.scheduledAt > record.createdAt ? record.scheduledAt : record.createdAt;
      metrics.delivered(record.channel, provider, (deliveredAt ?? this.deps.clock.now()) - since);
    } else if (status === 'retrying' && provider !== null && lastError) {
      metrics.retried(record.channel, provider, lastError.kind);
    } else if (status === 'failed' || status === 'dead') {
      if (status === 'failed' && provider !== null) metrics.failed(record.channel, provider, lastError?.kind ?? status);
      metrics.deadLettered(record.channel, provider, lastError?.kind ?? status);
    }
  }

  /**
   * A claim that failed. A value the database refuses (claims are retried one by one on such an
   * error, so it is this message's) would come back the same way for ever: the message is
   * dead-lettered with the reason. Anything else is the store's trouble, not the message's (an
   * outage, a timeout, a server gone read-only): the message goes back to the queue for later,
   * never to the dead-letter queue, where the store could not list or replay it.
   */
  private async claimFailed(id: string, error: unknown, what = 'claim the message'): Promise<DeliveryOutcome> {
    const reason = (error as Error).message;
    if (!isDataStoreError(error)) {
      this.#claimLog.warn({ messageId: id, err: reason }, `cannot ${what}: the store is failing; deliveries go back to the queue`);
      return this.requeueLater();
    }
    this.deps.logger.error({ messageId: id, err: reason }, `cannot ${what}; dead-lettering it`);
    return { action: 'dead_letter', reason: `cannot ${what}: ${reason}` };
  }

  /** Marks a message dead in the store, best effort, with a reason of Missive's own. */
  private async markDead(id: string, reason: string): Promise<void> {
    const now = this.deps.clock.now();
    const lastError = { kind: 'store_refused', message: reason.slice(0, 500) };
    await this.deps.store
      .applyTransitions([{ id, from: ['sending'], changes: { status: 'dead', deadLetteredAt: now, lastError, dueAt: null }, events: [], now }])
      .catch(() => undefined);
  }

  /**
   * A message the store would not hand out: already handled, being sent, or not Missive's at all.
   * A copy handed out for the first time that finds its message `sending` is a second copy (an
   * outbox relay's, published while the first was on its way), or the copy of a claim retried
   * after its commit went unheard: sending it now could send twice. It goes back to the queue
   * after a moment rather than being dropped; handed out again, it claims the message if that is
   * still `sending` then (its worker died), so a message is never left without a copy.
   */
  private async skip(id: string, redelivered: boolean): Promise<DeliveryOutcome> {
    let existing: MessageRecord | undefined;
    try {
      existing = await this.deps.store.getMessage(id);
    } catch (error) {
      return this.claimFailed(id, error, 'look the message up');
    }
    if (existing === undefined) return { action: 'dead_letter', reason: `unknown message id ${id}: not in the store` };
    if (existing.status === 'sending' && !redelivered) {
      this.deps.logger.debug({ messageId: id }, 'a copy of a message being sent; back to the queue for later');
      return this.requeueLater();
    }
    this.deps.logger.debug({ messageId: id, status: existing.status }, 'skipping a copy of a message already handled');
    return { action: 'ack' };
  }

  private async requeueLater(): Promise<DeliveryOutcome> {
    // Give the store a moment before the broker hands the message out again.
    await sleep(1_000, this.#shutdown.signal).catch(() => undefined);
    return { action: 'requeue' };
  }

  private async copyToDeadLetters(record: ClaimedMessage, reason: string, transition: Transition): Promise<void> {
    const lastError = transition.changes.lastError;
    try {
      await this.deps.broker.publishDeadLetter(encodeWire(record), {
        messageId: record.id,
        reason,
        headers: {
          'x-missive-attempts': transition.changes.attempts ?? record.attempts,
          ...(lastError && { 'x-missive-last-error': lastError.message.slice(0, 1000) }),
        },
      });
    } catch (error) {
      // The store already lists it as dead-lettered; the queue copy is for operators' tools.
      this.deps.logger.warn({ messageId: record.id, err: (error as Error).message }, 'could not copy to the dead-letter queue');
    }
  }
}
