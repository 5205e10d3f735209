import { setMaxListeners } from 'node:events';
import type { Logger } from '../../core/logger.js';
import { persist } from '../../store/persist.js';
import { runnerAction } from '../state.js';
import type { BatchRecord } from '../types.js';
import type { RunnerDeps } from './deps.js';
import { BatchExecution, type RunEnd } from './execution.js';
import { probeBatch } from './probe.js';

/** Options of a {@link BatchRunner}; every one has a default. */
export interface BatchRunnerOptions {
  /** Longest time between two looks for work, in ms. Default 1000. */
  pollIntervalMs?: number;
  /** Most batches this runner works on at once. Default 8. */
  maxBatches?: number;
  /** Work on this batch only (`missive batch run ID`). Default: every batch. */
  batchId?: string;
  /** How long `stop` lets provider calls in flight finish before cutting them short, in ms. Default 15000. */
  shutdownGraceMs?: number;
  /** A creation untouched this long was abandoned by a dead process and is deleted, in ms. Default 600000. */
  abandonedAfterMs?: number;
}

/** What a batch run in this process ended with, as runners report it. */
export type RunnerEvent = { batchId: string; end: RunEnd | 'probe_refused' | 'resumed' };

/**
 * The batch runner role: looks for batches to work on (pending ones whose time has come, running
 * ones, including those a dead runner left, and auto-resuming ones whose circuit may be probed)
 * and runs each in a {@link BatchExecution}. Any number of runners, in any number of processes,
 * share batches through leased claims. A circuit closing again (by any send path of this process)
 * makes the batches it paused due for their probe at once.
 */
export class BatchRunner {
  readonly #runs = new Map<string, { execution?: BatchExecution; done: Promise<void> }>();
  readonly #shutdown = new AbortController();
  readonly #options: Required<Omit<BatchRunnerOptions, 'batchId'>> & { batchId?: string };
  readonly #log: Logger;
  readonly #listeners = new Set<(event: RunnerEvent) => void>();
  #timer: NodeJS.Timeout | undefined;
  #looking: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  #unsubscribe: (() => void) | undefined;
  #lastCleanupAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly deps: RunnerDeps,
    options: BatchRunnerOptions = {},
  ) {
    this.#options = {
      pollIntervalMs: options.pollIntervalMs ?? 1_000,
      maxBatches: options.maxBatches ?? 8,
      shutdownGraceMs: options.shutdownGraceMs ?? 15_000,
      abandonedAfterMs: options.abandonedAfterMs ?? 600_000,
      ...(options.batchId !== undefined && { batchId: options.batchId }),
    };
    this.#log = deps.logger;
    // Every provider call in flight listens to the shutdown signal: many, by design.
    setMaxListeners(0, this.#shutdown.signal);
  }

  /** Batches this runner is working on now. */
  get active(): number {
    return this.#runs.size;
  }

  /** Starts looking for work; the first look happens at once. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#unsubscribe = this.deps.breakers.onEvent((provider, event) => {
      if (event.type === 'closed') void this.#circuitClosed(provider);
    });
    this.wake();
  }

  /** Looks for work now instead of at the next poll. */
  wake(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), 0);
  }

  /** Subscribes to what runs end with; returns the unsubscribe function. */
  onEvent(listener: (event: RunnerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Stops: no new batch or item is taken, calls in flight finish (cut short after the grace
   * period) and are recorded, and every other item held goes back to `pending`.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#unsubscribe?.();
    await this.#looking;
    for (const run of this.#runs.values()) run.execution?.stop();
    const cut = setTimeout(() => this.#shutdown.abort(new Error('batch runner stopping')), this.#options.shutdownGraceMs);
    await Promise.allSettled([...this.#runs.values()].map((run) => run.done));
    clearTimeout(cut);
  }

  async #tick(): Promise<void> {
    if (this.#looking) {
      this.#again = true;
      return;
    }
    this.#looking = this.#look();
    try {
      await this.#looking;
    } finally {
      this.#looking = undefined;
    }
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), this.#again ? 0 : this.#options.pollIntervalMs);
    this.#again = false;
  }

  async #look(): Promise<void> {
    const { store, clock } = this.deps;
    const { batchId, maxBatches, abandonedAfterMs } = this.#options;
    try {
      const now = clock.now();
      if (batchId === undefined && now - this.#lastCleanupAt >= abandonedAfterMs / 2) {
        this.#lastCleanupAt = now;
        const deleted = await store.deleteAbandoned(now - abandonedAfterMs);
        if (deleted > 0) this.#log.warn({ deleted }, 'deleted batches whose creation was abandoned');
      }
      const batches =
        batchId === undefined
          ? await store.findRunnable(now, maxBatches * 2)
          : [await store.getBatch(batchId)].filter((batch): batch is BatchRecord => batch !== undefined);
      for (const batch of batches) {
        if (this.#stopped || this.#runs.size >= maxBatches) break;
        const action = runnerAction(batch, now);
        if (!this.#runs.has(batch.id) && action !== 'wait') this.#launch(batch, action);
      }
    } catch (error) {
      this.#log.warn({ err: (error as Error).message }, 'batch runner could not reach the store; trying again');
    }
  }

  #launch(batch: BatchRecord, action: 'start' | 'run' | 'probe'): void {
    const entry: { execution?: BatchExecution; done: Promise<void> } = { done: Promise.resolve() };
    this.#runs.set(batch.id, entry);
    entry.done = this.#work(batch, action, entry)
      .then((end) => {
        if (end !== undefined) this.#emit({ batchId: batch.id, end });
        // A finished batch frees room for the next one; anything else waits for the next poll.
        if (end === 'completed') this.wake();
      })
      .catch((error: unknown) => this.#log.error({ batchId: batch.id, err: (error as Error).message }, 'batch run failed'))
      .finally(() => this.#runs.delete(batch.id));
  }

  async #work(
    batch: BatchRecord,
    action: 'start' | 'run' | 'probe',
    entry: { execution?: BatchExecution },
  ): Promise<RunnerEvent['end'] | undefined> {
    const { store, clock, providers } = this.deps;
    let current: BatchRecord | undefined = batch;
    if (action === 'start') {
      if (!(await store.startIfDue(batch.id, clock.now()))) return undefined;
      current = await store.getBatch(batch.id);
      this.#log.info({ batchId: batch.id, total: batch.total }, 'batch started');
    }
    if (action === 'probe') {
      const now = clock.now();
      if (!(await store.takeProbe(batch.id, now, now + this.deps.leaseMs))) return undefined;
      const instance = providers.get(batch.provider);
      if (instance === undefined) {
        const to = { status: 'paused', reason: 'provider_unavailable' } as const;
        await store.transition(batch.id, { status: 'paused', reason: 'circuit_open' }, to, clock.now());
        return 'provider_unavailable';
      }
      const probe = await probeBatch(batch, instance, this.deps, this.#shutdown.signal);
      if (probe.kind === 'refused') {
        await persist('defer a batch probe', () => store.deferProbe(batch.id, probe.until, clock.now()), this.#log);
        return 'probe_refused';
      }
      current = await store.transition(batch.id, { status: 'paused', reason: 'circuit_open' }, { status: 'running', reason: null }, clock.now());
      if (current === undefined) return undefined;
      this.#log.info({ batchId: batch.id }, 'batch resumed: its provider answered the probe');
      this.#emit({ batchId: batch.id, end: 'resumed' });
    }
    if (current === undefined || current.status !== 'running' || this.#stopped) return undefined;
    const execution = new BatchExecution(current, this.deps, this.#shutdown.signal);
    entry.execution = execution;
    return execution.run();
  }

  async #circuitClosed(provider: string): Promise<void> {
    try {
      await this.deps.store.probeNow(provider, this.deps.clock.now());
      this.wake();
    } catch (error) {
      this.#log.warn({ err: (error as Error).message }, 'cannot mark batches for a probe; the next poll finds them');
    }
  }

  #emit(event: RunnerEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
