import type { Clock } from '../../core/clock.js';
import { BrokenCircuitError } from './errors.js';
import type { BreakerEvent, BreakerListener } from './events.js';
import { resolveBreakerOptions } from './options.js';
import type { BreakerOptions, ResolvedBreakerOptions } from './options.js';
import { initialSnapshot, nextProbeAt, recordFailure, recordSuccess, releasePermit, tryAcquire } from './state.js';
import type { BreakerSnapshot, BreakerState, BreakerTransition, PermitTicket } from './state.js';

/** Options of a {@link CircuitBreaker}: the policy plus its collaborators. */
export interface CircuitBreakerInit extends BreakerOptions {
  /** Time source every transition is evaluated against. */
  clock: Clock;
  /** Names the circuit in BrokenCircuitError messages (the provider instance name). */
  name?: string;
  /** State to start from, e.g. read back from the database; default a closed, empty circuit. */
  snapshot?: BreakerSnapshot;
}

/** Leave to make one call. Report exactly one outcome; later reports are ignored. */
export interface Permit {
  readonly permitted: true;
  /** Whether this call is the half-open probe. */
  readonly probe: boolean;
  /** The call succeeded. */
  success(): void;
  /** The call failed with `error`; only retryable failures count against the circuit. */
  failure(error: unknown): void;
  /** The call never reached the provider (cancelled before sending); nothing is recorded. */
  release(): void;
}

/** A refused call. */
export interface Rejection {
  readonly permitted: false;
  /** When to ask again: the end of the break, or, while a probe is out, a re-check time no later than its expiry. */
  readonly until: number;
  /** The error {@link CircuitBreaker.execute} throws for this refusal. */
  readonly error: BrokenCircuitError;
}

/**
 * One provider instance's circuit: a snapshot plus the pure transitions of `state.ts`, evaluated
 * on each call against the injected clock (no timers), with events delivered synchronously and in
 * order to subscribers after the snapshot has changed.
 */
export class CircuitBreaker {
  /** The resolved policy. */
  readonly options: ResolvedBreakerOptions;
  private current: BreakerSnapshot;
  private readonly listeners = new Set<BreakerListener>();
  private readonly clock: Clock;
  private readonly name: string | undefined;

  constructor(init: CircuitBreakerInit) {
    this.options = resolveBreakerOptions(init);
    this.clock = init.clock;
    this.name = init.name;
    this.current = init.snapshot ?? initialSnapshot(this.options);
  }

  /** The state as of the last call; an expired break shows as `open` until the next call. */
  get state(): BreakerState {
    return this.current.state;
  }

  /** The current snapshot (immutable; safe to store). */
  snapshot(): BreakerSnapshot {
    return this.current;
  }

  /** Replaces the state, e.g. with one read from the database; emits no events. */
  restore(snapshot: BreakerSnapshot): void {
    this.current = snapshot;
  }

  /** When a call may next be let through as a probe; undefined while closed. */
  nextProbeAt(): number | undefined {
    return nextProbeAt(this.current, this.options);
  }

  /** Subscribes to events; returns the function that unsubscribes. */
  onEvent(listener: BreakerListener): () => void {
    const entry: BreakerListener = (event) => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Asks to make one call now. */
  acquire(): Permit | Rejection {
    const result = tryAcquire(this.current, this.clock.now(), this.options);
    this.apply(result);
    if (!result.permitted) {
      return { permitted: false, until: result.until, error: new BrokenCircuitError(result.until, this.name) };
    }
    return this.permit(result.ticket);
  }

  /** Runs `fn` under a permit, recording its outcome; throws BrokenCircuitError when refused. */
  async execute<T>(fn: () => Promise<T>): Promise<T> {
    const permit = this.acquire();
    if (!permit.permitted) throw permit.error;
    let value: T;
    try {
      value = await fn();
    } catch (error) {
      permit.failure(error);
      throw error;
    }
    permit.success();
    return value;
  }

  private permit(ticket: PermitTicket): Permit {
    let settled = false;
    const settle = (transition: (snapshot: BreakerSnapshot) => BreakerTransition): void => {
      if (settled) return;
      settled = true;
      this.apply(transition(this.current));
    };
    return {
      permitted: true,
      probe: ticket.probe,
      success: () => settle((snapshot) => recordSuccess(snapshot, ticket, this.clock.now(), this.options)),
      failure: (error) => settle((snapshot) => recordFailure(snapshot, ticket, error, this.clock.now(), this.options)),
      release: () => settle((snapshot) => releasePermit(snapshot, ticket)),
    };
  }

  private apply(transition: BreakerTransition): void {
    this.current = transition.snapshot;
    for (const event of transition.events) this.emit(event);
  }

  private emit(event: BreakerEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}
