import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { BreakerBoard, BreakerStatus } from './board.js';
import { LocalBreakerBoard } from './board.js';
import type { Permit, Rejection } from './circuit-breaker.js';
import { BrokenCircuitError } from './errors.js';
import type { BreakerEvent } from './events.js';
import { type BreakerOptions, resolveBreakerOptions } from './options.js';
import { PROBE_RECHECK_MIN_MS, probeRecheckAt } from './state.js';
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
 * breaker per provider (calls are decided locally, with no round trip) and, every `syncMs` and at
 * once after a transition of its own, publishes its transitions (opened, closed) and adopts those
 * of the others, so one process opening a circuit stops the whole fleet calling that provider
 * within a second.
 *
 * One probe across the fleet: only a process whose own calls wait for a provider takes its probe,
 * by claiming it in the store. A call refused by the open circuit marks the provider wanted, and
 * a round claims it when the break is about to end, so that the process's next call after the
 * break is the probe. A process that never calls the provider (a `serve` process, a one-shot
 * command, a runner whose batch is paused) never claims it. A claim left unused for a while is
 * given back, and `stop` gives back every claim held. The others refuse meanwhile, telling their
 * callers to ask again on the schedule of {@link probeRecheckAt}.
 *
 * Writes are compare-and-set on the row's version. A transition stays pending until it is
 * written: a write that fails is tried again next round. When another process wrote first, the
 * newer row wins: this process's transition is dropped and the row adopted. Both saw the
 * provider at about the same time and the other's is the state the rest of the fleet follows
 * already; nothing is lost for good, since this process's own breaker counts on from the adopted
 * state (a provider that is really down opens it again within `minimumCalls` calls).
 */
export class SharedBreakerBoard implements BreakerBoard {
  readonly #local: LocalBreakerBoard;
  readonly #syncMs: number;
  /** How long a probe claim may go unused before it is given back, in ms. */
  readonly #claimIdleMs: number;
  /** How long a probe claim lasts in the store: its unused allowance plus the probe's own timeout. */
  readonly #claimMs: number;
  readonly #known = new Map<string, SharedBreakerState>();
  readonly #dirty = new Map<string, SharedBreakerChange>();
  /** Probes this process holds in the store, each with since when it has gone unused. */
  readonly #ownsProbe = new Map<string, number>();
  /** Providers whose open circuit refused a call of this process, which therefore wants the probe. */
  readonly #wantsProbe = new Set<string>();
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
    // A refused call comes back when the break ends (a worker parks its message until then, via
    // the scheduler), so a claim lasts a few rounds and a couple of seconds before it is given up.
    this.#claimIdleMs = Math.max(2_000, 8 * this.#syncMs);
    this.#claimMs = this.#claimIdleMs + resolveBreakerOptions(options).probeTimeoutMs;
    this.#local.onEvent((provider, event) => {
      if (event.type === 'opened') {
        this.#changed(provider, { state: 'open', openedAt: event.at, until: event.until, breakMs: event.until - event.at });
      } else if (event.type === 'closed') {
        this.#changed(provider, { state: 'closed', openedAt: null, until: null, breakMs: this.#local.breaker(provider).options.breakMs });
      }
      logTransition(this.logger, provider, event);
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

  /**
   * Stops syncing, after publishing any transition not yet written and giving back every probe
   * this process holds (a process going away cannot send it); it claims none.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#syncing;
    await this.#round(true);
  }

  ready(): Promise<void> {
    return this.#started ?? this.start();
  }

  acquire(provider: string): Permit | Rejection {
    const breaker = this.#local.breaker(provider);
    const snapshot = breaker.snapshot();
    const shared = this.#known.get(provider);
    // Closed here, not open for the fleet (a transition of ours not yet shared), or our probe.
    if (snapshot.state === 'closed' || shared?.state !== 'open' || this.#ownsProbe.has(provider)) return breaker.acquire();
    this.#wantsProbe.add(provider);
    const now = this.clock.now();
    if (snapshot.state === 'open' && now < (snapshot.until ?? now)) return breaker.acquire();
    // The break is over but the probe is another process's, or not claimed yet: a round claims it
    // now (only then: while another holds it, the regular rounds are enough).
    const until = recheckAt(shared, now);
    if (!claimed(shared, now)) this.#syncSoon();
    return { permitted: false, until, error: new BrokenCircuitError(until, provider) };
  }

  status(provider: string): BreakerStatus {
    return this.#local.status(provider);
  }

  onEvent(listener: (provider: string, event: BreakerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** One round of publishing local transitions, adopting the fleet's and claiming wanted probes. */
  async sync(): Promise<void> {
    this.#syncing ??= this.#round(false).finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  async #round(final: boolean): Promise<void> {
    try {
      await this.#publish();
      await this.#adoptRows();
      if (!final && !this.#stopped) await this.#claimWanted();
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'cannot share circuit breaker state; deciding locally meanwhile');
    }
    try {
      await this.#releaseUnused(final);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'cannot give back a circuit probe; it expires by itself');
    }
  }

  async #publish(): Promise<void> {
    for (const [provider, change] of [...this.#dirty]) {
      const now = this.clock.now();
      const version = await this.store.writeBreaker(provider, this.#known.get(provider)?.version ?? 0, change, now);
      // Written, or lost to a newer write (adopted below): done with, unless a newer change came meanwhile.
      if (this.#dirty.get(provider) === change) this.#dirty.delete(provider);
      if (version === undefined) {
        this.logger.debug({ provider, state: change.state }, 'another process changed the circuit first; following its state');
        continue;
      }
      this.#known.set(provider, { provider, ...change, version, probeOwner: null, probeExpiresAt: null, updatedAt: now });
      this.#ownsProbe.delete(provider);
    }
  }

  async #adoptRows(): Promise<void> {
    for (const row of await this.store.readBreakers()) {
      // A transition of ours still to write is decided by its write (compare-and-set) next round.
      if (this.#dirty.has(row.provider)) continue;
      const known = this.#known.get(row.provider);
      if (!known || row.version > known.version) this.#adopt(row);
      this.#known.set(row.provider, row);
      if (row.probeOwner !== this.options.owner) this.#ownsProbe.delete(row.provider);
    }
  }

  /** Claims the probes this process's calls wait for, a round before their break ends. */
  async #claimWanted(): Promise<void> {
    for (const provider of [...this.#wantsProbe]) {
      const row = this.#known.get(provider);
      const local = this.#local.breaker(provider).snapshot();
      if (row?.state !== 'open' || row.until === null || local.state === 'closed' || this.#ownsProbe.has(provider)) {
        this.#wantsProbe.delete(provider);
        continue;
      }
      const now = this.clock.now();
      if (now < row.until - this.#syncMs) continue;
      // Wanted again by the next refused call, should this claim fail or go unused.
      this.#wantsProbe.delete(provider);
      if (claimed(row, now) || !(await this.store.claimProbe(provider, this.options.owner, now, now + this.#claimMs))) continue;
      this.#ownsProbe.set(provider, now);
      this.#known.set(provider, { ...row, probeOwner: this.options.owner, probeExpiresAt: now + this.#claimMs, updatedAt: now });
      this.logger.debug({ provider }, 'claimed the probe of an open circuit');
    }
  }

  /** Gives back the probes held but unused for a while (or all of them, at the end). */
  async #releaseUnused(final: boolean): Promise<void> {
    for (const [provider, idleSince] of [...this.#ownsProbe]) {
      const now = this.clock.now();
      if (!final && this.#local.breaker(provider).snapshot().probeGrantedAt !== undefined) {
        this.#ownsProbe.set(provider, now);
        continue;
      }
      if (!final && now - idleSince < this.#claimIdleMs) continue;
      this.#ownsProbe.delete(provider);
      const row = this.#known.get(provider);
      if (row) this.#known.set(provider, { ...row, probeOwner: null, probeExpiresAt: null });
      await this.store.releaseProbe(provider, this.options.owner);
      this.logger.debug({ provider }, 'gave back the probe of an open circuit');
    }
  }

  /** Takes on another process's transition, telling local listeners as if it happened here. */
  #adopt(row: SharedBreakerState): void {
    const breaker = this.#local.breaker(row.provider);
    const local = breaker.snapshot();
    const now = this.clock.now();
    this.#wantsProbe.delete(row.provider);
    if (row.state === 'open' && row.until !== null) {
      const wasOpen = local.state !== 'closed';
      breaker.restore({ state: 'open', window: [], openedAt: row.openedAt ?? now, until: row.until, breakMs: row.breakMs });
      if (!wasOpen) {
        this.logger.debug({ provider: row.provider, until: new Date(row.until).toISOString() }, 'another process opened the circuit');
        this.#emit(row.provider, { type: 'opened', at: now, until: row.until, failureRatio: 1, calls: 0 });
      }
    } else if (row.state === 'closed' && local.state !== 'closed') {
      breaker.restore({ state: 'closed', window: [], breakMs: breaker.options.breakMs });
      this.logger.debug({ provider: row.provider }, 'another process closed the circuit');
      this.#emit(row.provider, { type: 'closed', at: now });
    }
  }

  /** A transition of this process's own breaker: to be written, at once. */
  #changed(provider: string, change: SharedBreakerChange): void {
    this.#dirty.set(provider, change);
    this.#wantsProbe.delete(provider);
    this.#syncSoon();
  }

  /** Starts a round now (or right after the one running), once started; rounds otherwise run when asked. */
  #syncSoon(): void {
    if (this.#timer === undefined) return;
    const running = this.#syncing;
    if (running) void running.then(() => this.sync());
    else queueMicrotask(() => void this.sync());
  }

  #emit(provider: string, event: BreakerEvent): void {
    for (const listener of this.#listeners) listener(provider, event);
  }
}

/**
 * When a caller refused after the break should ask again: while another process's claim is
 * unexpired, on the schedule of a probe out since that claim (the row's `updatedAt`), by its
 * expiry; while nobody holds the probe yet, shortly (this process is claiming it).
 */
function recheckAt(shared: SharedBreakerState, now: number): number {
  if (claimed(shared, now) && shared.probeExpiresAt !== null) return probeRecheckAt(now, shared.updatedAt, shared.probeExpiresAt);
  return now + PROBE_RECHECK_MIN_MS;
}

/** Whether a process holds the row's probe, unexpired. */
function claimed(shared: SharedBreakerState, now: number): boolean {
  return shared.probeOwner !== null && shared.probeExpiresAt !== null && shared.probeExpiresAt > now;
}

/** Logs a transition this process's own breaker made, once, where operators look. */
function logTransition(logger: Logger, provider: string, event: BreakerEvent): void {
  if (event.type === 'opened') {
    const fields = { provider, until: new Date(event.until).toISOString(), breakMs: event.until - event.at, failureRatio: event.failureRatio, calls: event.calls };
    logger.warn(fields, 'circuit opened: calls to this provider are refused until the break ends');
  } else if (event.type === 'half_opened') {
    logger.info({ provider }, 'circuit half-open: sending one probe call');
  } else if (event.type === 'closed') {
    logger.info({ provider }, 'circuit closed: the probe succeeded');
  }
}
