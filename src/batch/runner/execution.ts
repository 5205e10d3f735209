import { setMaxListeners } from 'node:events';
import type { Logger } from '../../core/logger.js';
import type { ProviderInstance } from '../../providers/instances.js';
import { persist } from '../../store/persist.js';
import { bucketOf, RATE_WINDOW_MS } from '../progress.js';
import type { BatchRecord, ClaimedItem } from '../types.js';
import type { RunnerDeps } from './deps.js';
import { senderDeps } from './deps.js';
import { OutcomeWriter } from './outcome-writer.js';
import { probeBatch } from './probe.js';
import { type ItemResult, type ItemRun, type ItemSenderDeps, itemOutcome, sendItem } from './send-item.js';
import { Slots } from './slots.js';

/**
 * How a run of one batch in this process ended: the batch `completed`; nothing left to claim here
 * (`idle`: other runners hold the rest, or it finished elsewhere); it was `paused` or `cancelled`
 * (from any process); this run paused it because the provider's circuit opened (`circuit_open`)
 * or its provider is gone (`provider_unavailable`); or the runner is stopping (`stopped`).
 */
export type RunEnd = 'completed' | 'idle' | 'paused' | 'cancelled' | 'circuit_open' | 'provider_unavailable' | 'stopped';

/** Why a run stops taking items before it ran out of them. */
type DrainReason = 'paused' | 'cancelled' | 'stopped' | 'circuit_open' | 'finished_elsewhere';

/**
 * Runs one batch in this process: claims items in order, a chunk at a time under a lease, sends
 * them with bounded concurrency (each under retry, the circuit breaker and a timeout), and records
 * every outcome as it happens. It stops taking items at once when the provider's circuit opens,
 * when the batch is paused or cancelled from anywhere, or when the runner stops: calls in flight
 * finish and are recorded, every other item held goes back to `pending`. Re-reads its batch and
 * renews its leases every `controlIntervalMs`.
 */
export class BatchExecution {
  readonly #drain = new AbortController();
  readonly #queue: ClaimedItem[] = [];
  readonly #slots: Slots;
  readonly #writer: OutcomeWriter;
  readonly #log: Logger;
  readonly #maxInProgress: number;
  #inProgress = 0;
  #claiming = false;
  #exhausted = false;
  /** The highest pending item this run claimed: the next claim starts after it. */
  #cursor: number | undefined;
  /** When this run last looked for items whose runner's lease expired. */
  #lastTakeOverAt = Number.NEGATIVE_INFINITY;
  #settled = false;
  #drainReason: DrainReason | undefined;
  #circuitUntil: number | undefined;
  #controlling = false;
  #lastRenewAt: number;
  #lastPruneAt = 0;
  #sender: ItemSenderDeps | undefined;
  #finish: () => void = () => undefined;

  constructor(
    private readonly batch: BatchRecord,
    private readonly deps: RunnerDeps,
    private readonly shutdown: AbortSignal,
  ) {
    this.#slots = new Slots(batch.concurrency, () => queueMicrotask(() => this.#pump()));
    this.#log = deps.logger.child({ batchId: batch.id });
    this.#writer = new OutcomeWriter(batch.id, deps.owner, deps.store, deps.clock, this.#log);
    // Items in hand (queued for a slot, in a call, waiting to retry, or being recorded) stay
    // bounded, whatever the batch size.
    this.#maxInProgress = batch.concurrency + deps.chunkSize;
    this.#lastRenewAt = deps.clock.now();
    // Every item waiting to retry or for a slot listens to the drain signal: many, by design.
    setMaxListeners(0, this.#drain.signal);
  }

  /** Stops taking items; what is in flight finishes and is recorded, the rest is given back. */
  stop(): void {
    this.#beginDrain('stopped');
  }

  /** Runs until the batch is done here or the run is drained; resolves with why it ended. */
  async run(): Promise<RunEnd> {
    const { providers, breakers, clock } = this.deps;
    const instance = providers.get(this.batch.provider);
    if (instance === undefined) {
      const to = { status: 'paused', reason: 'provider_unavailable' } as const;
      await this.deps.store.transition(this.batch.id, { status: 'running', reason: null }, to, clock.now());
      this.#log.error({ provider: this.batch.provider }, 'batch paused: its provider is no longer configured');
      return 'provider_unavailable';
    }
    if (!(await this.#circuitAllows(instance))) return this.#conclude(instance);
    const unsubscribe = breakers.onEvent((provider, event) => {
      if (provider === instance.name && event.type === 'opened') this.#onCircuitOpen(event.until);
    });
    const ticker = setInterval(() => void this.#control(), this.deps.controlIntervalMs);
    this.#sender = senderDeps(this.deps, instance);
    try {
      const settled = new Promise<void>((resolve) => (this.#finish = resolve));
      this.#pump();
      await settled;
      await this.#writer.idle();
    } finally {
      clearInterval(ticker);
      unsubscribe();
    }
    return this.#conclude(instance);
  }

  #pump(): void {
    if (this.#settled || this.#sender === undefined) return;
    if (this.#drainReason !== undefined) {
      for (const item of this.#queue.splice(0)) {
        this.#inProgress += 1;
        this.#record(item, { kind: 'released' });
      }
    } else {
      while (this.#queue.length > 0 && this.#inProgress < this.#maxInProgress && this.#slots.tryTake()) {
        this.#start(this.#queue.shift() as ClaimedItem, this.#sender);
      }
      if (!this.#exhausted && !this.#claiming && this.#queue.length < this.batch.concurrency) void this.#claim();
    }
    const out = this.#exhausted || this.#drainReason !== undefined;
    if (out && this.#queue.length === 0 && this.#inProgress === 0 && !this.#claiming) {
      this.#settled = true;
      this.#finish();
    }
  }

  #start(item: ClaimedItem, sender: ItemSenderDeps): void {
    const run: ItemRun = {
      slots: this.#slots,
      drain: this.#drain.signal,
      shutdown: this.shutdown,
      onCircuitRefused: (until) => this.#onCircuitOpen(until),
    };
    const batch = { id: this.batch.id, channel: this.batch.channel, startAt: this.batch.startAt };
    this.#inProgress += 1;
    // The caller took a slot for the first attempt: it starts now.
    const startedAt = this.deps.clock.now();
    void sendItem(batch, item, sender, run).then(
      (result) => {
        if (item.takenOver && result.kind === 'sent') this.#log.debug({ item: item.item }, 'item taken over from a stopped runner was sent');
        this.#record(item, result, this.deps.clock.now() - startedAt);
      },
      (error: unknown) => {
        this.#log.error({ item: item.item, err: (error as Error).message }, 'unexpected error sending a batch item');
        this.#record(item, { kind: 'released' });
      },
    );
  }

  /**
   * Records the outcome of an item counted in progress; it stops counting once recorded. An
   * outcome is reported to the metrics once it is in the store: one that could not be written is
   * sent again later, and counted then.
   */
  #record(item: ClaimedItem, result: ItemResult, latencyMs = 0): void {
    void this.#writer
      .write(itemOutcome(item.item, result, this.deps.clock.now()))
      .then((applied) => {
        if (applied && result.kind !== 'released') this.deps.metrics?.batchItem(this.batch.channel, this.batch.provider, result.kind, latencyMs);
      })
      .finally(() => {
        this.#inProgress -= 1;
        this.#pump();
      });
  }

  async #claim(): Promise<void> {
    const { store, clock, owner, leaseMs, chunkSize } = this.deps;
    this.#claiming = true;
    try {
      // Leases expire leaseMs after a runner stops renewing them: looking twice as often is enough.
      const takeOver = clock.now() - this.#lastTakeOverAt >= leaseMs / 2;
      if (takeOver) this.#lastTakeOverAt = clock.now();
      const after = this.#cursor;
      const items = await persist(
        'claim batch items',
        () => store.claimItems(this.batch.id, { owner, now: clock.now(), leaseMs, limit: chunkSize, takeOver, ...(after !== undefined && { after }) }),
        this.#log,
        this.#drain.signal,
      );
      const takenOver = items.filter((item) => item.takenOver).map((item) => item.item);
      if (takenOver.length > 0) {
        this.#log.info({ items: takenOver }, 'taking over items whose runner stopped; sending them again with the same idempotency key');
      }
      for (const item of items) if (!item.takenOver) this.#cursor = Math.max(this.#cursor ?? 0, item.item);
      this.#queue.push(...items);
      // A short chunk may only mean other runners took the rest of this one: ask again until none comes.
      if (items.length === 0) this.#exhausted = true;
    } catch (error) {
      // The runner comes back to the batch on its next look.
      this.#log.warn({ err: (error as Error).message }, 'cannot claim batch items');
      this.#exhausted = true;
    } finally {
      this.#claiming = false;
      this.#pump();
    }
  }

  #onCircuitOpen(until: number): void {
    this.#circuitUntil = Math.max(this.#circuitUntil ?? 0, until);
    if (this.#drainReason === undefined) this.#log.warn({ provider: this.batch.provider, until: new Date(until).toISOString() }, 'circuit open: pausing the batch');
    this.#beginDrain('circuit_open');
  }

  #beginDrain(reason: DrainReason): void {
    if (this.#drainReason !== undefined) return;
    this.#drainReason = reason;
    this.#drain.abort(new Error(`batch run draining: ${reason}`));
    queueMicrotask(() => this.#pump());
  }

  /** Follows changes made from anywhere (pause, cancel) and keeps this run's leases alive. */
  async #control(): Promise<void> {
    if (this.#controlling) return;
    this.#controlling = true;
    const { store, clock, owner, leaseMs } = this.deps;
    try {
      const current = await store.getBatch(this.batch.id);
      if (current?.status === 'paused') this.#beginDrain('paused');
      else if (current?.status === 'cancelled') this.#beginDrain('cancelled');
      else if (current?.status !== 'running') this.#beginDrain('finished_elsewhere');
      const now = clock.now();
      if (now - this.#lastRenewAt >= leaseMs / 3) {
        await store.renewLeases(this.batch.id, owner, now + leaseMs);
        this.#lastRenewAt = now;
      }
      if (now - this.#lastPruneAt >= RATE_WINDOW_MS) {
        await store.pruneProgress(this.batch.id, bucketOf(now - 2 * RATE_WINDOW_MS));
        this.#lastPruneAt = now;
      }
    } catch (error) {
      this.#log.warn({ err: (error as Error).message }, 'cannot read the batch or renew its leases; trying again');
    } finally {
      this.#controlling = false;
    }
  }

  /** Before sending: a circuit not closed is probed with one item first (or waited for). */
  async #circuitAllows(instance: ProviderInstance): Promise<boolean> {
    const { state, nextProbeAt } = this.deps.breakers.status(instance.name);
    if (state === 'closed') return true;
    const now = this.deps.clock.now();
    if (state === 'open' && nextProbeAt !== undefined && nextProbeAt > now) {
      this.#circuitUntil = nextProbeAt;
      return false;
    }
    const probe = await probeBatch(this.batch, instance, this.deps, this.shutdown);
    if (probe.kind === 'passed') return true;
    this.#circuitUntil = probe.until;
    return false;
  }

  async #conclude(instance: ProviderInstance): Promise<RunEnd> {
    const { store, clock, breakers } = this.deps;
    const reason = this.#drainReason;
    if (reason === 'paused' || reason === 'cancelled') return reason;
    if (this.#circuitUntil !== undefined) {
      const resumeAt = Math.max(this.#circuitUntil, breakers.status(instance.name).nextProbeAt ?? 0);
      const target = { status: 'paused', reason: 'circuit_open', resumeAt } as const;
      const paused = await persist('pause a batch', () => store.transition(this.batch.id, { status: 'running', reason: null }, target, clock.now()), this.#log);
      if (paused) this.#log.warn({ resumeAt: new Date(resumeAt).toISOString(), autoResume: this.batch.autoResume }, 'batch paused: circuit open');
      return 'circuit_open';
    }
    if (reason === 'stopped') return 'stopped';
    return (await persist('complete a batch', () => store.completeIfDone(this.batch.id, clock.now()), this.#log)) ? 'completed' : 'idle';
  }
}
