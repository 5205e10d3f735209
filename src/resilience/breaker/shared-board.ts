import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { BreakerBoard } from './board.js';
import { LocalBreakerBoard } from './board.js';
import type { Permit, Rejection } from './circuit-breaker.js';
import { BrokenCircuitError } from './errors.js';
import type { BreakerEvent } from './events.js';
import { type BreakerOptions, resolveBreakerOptions } from './options.js';
import type { BreakerState } from './state.js';
import type { BreakerStateStore, SharedBreakerChange, SharedBreakerState } from './shared-state.js';

/** Options of a {@link SharedBreakerBoard}. */
export interface SharedBreakerBoardOptions extends BreakerOptions {
  /** How often shared state is read and written, in ms. Default 250 (others stop within a second). */
  syncMs?: number;
  /** This process's name, as probe owner. */
  owner: string;
}

/**
 * Circuit breakers shared by every process through the store. Each process keeps a local
 * breaker per provider (calls are decided locally, with no round trip) and, every `syncMs`,
 * publishes its transitions (opened, closed) and adopts those of the others, so one process
 * opening a circuit stops the whole fleet calling that provider within a second. When a break
 * ends, exactly one process (the one that claims the probe in the store) sends the probe; the
 * others keep refusing until it reports.
 */
export class SharedBreakerBoard implements BreakerBoard {
  readonly #local: LocalBreakerBoard;
  readonly #syncMs: number;
  readonly #probeTimeoutMs: number;
  readonly #known = new Map<string, SharedBreakerState>();
  readonly #dirty = new Map<string, SharedBreakerChange>();
  readonly #ownsProbe = new Set<string>();
  readonly #listeners = new Set<(provider: string, event: BreakerEvent) => void>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #started: Promise<void> | undefined;
  #syncing: Promise<void> | undefined;

  constructor(
    private readonly store: BreakerStateStore,
    private readonly options: SharedBreakerBoardOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.#local = new LocalBreakerBoard(options, clock);
    this.#syncMs = options.syncMs ?? 250;
    this.#probeTimeoutMs = resolveBreakerOptions(options).probeTimeoutMs;
    this.#local.onEvent((provider, event) => {
      if (event.type === 'opened') {
        this.#dirty.set(provider, { state: 'open', openedAt: event.at, until: event.until, breakMs: event.until - event.at });
      } else if (event.type === 'closed') {
        this.#dirty.set(provider, { state: 'closed', openedAt: null, until: null, breakMs: this.#local.breaker(provider).options.breakMs });
      }
      this.#emit(provider, event);
    });
  }

  /** Reads the shared state once, then keeps in sync every `syncMs`. */
  async start(): Promise<void> {
    this.#started ??= this.sync();
    await this.#started;
    if (this.#stopped || this.#timer) return;
    this.#timer = setInterval(() => void this.sync(), this.#syncMs);
    this.#timer.unref();
  }

  /** Stops syncing, after publishing any transition not yet written. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.sync();
  }

  ready(): Promise<void> {
    return this.#started ?? this.start();
  }

  acquire(provider: string): Permit | Rejection {
    const breaker = this.#local.breaker(provider);
    const snapshot = breaker.snapshot();
    const now = this.clock.now();
    if (snapshot.state === 'open' && snapshot.until !== undefined && now >= snapshot.until && !this.#ownsProbe.has(provider) && this.#known.get(provider)?.state === 'open') {
      // The break is over, but the probe belongs to whichever process claimed it.
      const until = now + this.#syncMs;
      return { permitted: false, until, error: new BrokenCircuitError(until, provider) };
    }
    return breaker.acquire();
  }

  status(provider: string): { state: BreakerState; nextProbeAt: number | undefined } {
    return this.#local.status(provider);
  }

  onEvent(listener: (provider: string, event: BreakerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** One round of publishing local transitions and adopting the fleet's. */
  async sync(): Promise<void> {
    this.#syncing ??= this.#sync().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  async #sync(): Promise<void> {
    try {
      const now = this.clock.now();
      for (const [provider, change] of [...this.#dirty]) {
        this.#dirty.delete(provider);
        const expected = this.#known.get(provider)?.version ?? 0;
        const version = await this.store.writeBreaker(provider, expected, change, now);
        if (version !== undefined) {
          this.#known.set(provider, { provider, ...change, version, probeOwner: null, probeExpiresAt: null, updatedAt: now });
          this.#ownsProbe.delete(provider);
        }
      }
      for (const row of await this.store.readBreakers()) {
        const known = this.#known.get(row.provider);
        if (!known || row.version > known.version) this.#adopt(row);
        this.#known.set(row.provider, row);
        if (row.probeOwner !== this.options.owner) this.#ownsProbe.delete(row.provider);
        const probeDue = row.state === 'open' && row.until !== null && now >= row.until - this.#syncMs;
        const probeFree = row.probeOwner === null || (row.probeExpiresAt ?? 0) <= now;
        if (probeDue && probeFree && (await this.store.claimProbe(row.provider, this.options.owner, now, now + this.#probeTimeoutMs))) {
          this.#ownsProbe.add(row.provider);
        }
      }
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'cannot share circuit breaker state; deciding locally meanwhile');
    }
  }

  /** Takes on another process's transition, telling local listeners as if it happened here. */
  #adopt(row: SharedBreakerState): void {
    const breaker = this.#local.breaker(row.provider);
    const local = breaker.snapshot();
    const now = this.clock.now();
    if (row.state === 'open' && row.until !== null) {
      const wasOpen = local.state !== 'closed';
      breaker.restore({ state: 'open', window: [], openedAt: row.openedAt ?? now, until: row.until, breakMs: row.breakMs });
      if (!wasOpen) {
        this.#emit(row.provider, { type: 'opened', at: now, until: row.until, failureRatio: 1, calls: 0 });
      }
    } else if (row.state === 'closed' && local.state !== 'closed') {
      breaker.restore({ state: 'closed', window: [], breakMs: breaker.options.breakMs });
      this.#emit(row.provider, { type: 'closed', at: now });
    }
  }

  #emit(provider: string, event: BreakerEvent): void {
    for (const listener of this.#listeners) listener(provider, event);
  }
}
