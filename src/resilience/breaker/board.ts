import type { Clock } from '../../core/clock.js';
import { CircuitBreaker, type Permit, type Rejection } from './circuit-breaker.js';
import type { BreakerEvent } from './events.js';
import type { BreakerOptions } from './options.js';
import type { BreakerState } from './state.js';

/** One provider's breaker as reports show it: its state and when it may next be probed. */
export interface BreakerStatus {
  state: BreakerState;
  nextProbeAt: number | undefined;
}

/** The circuit breakers of every provider instance, one each, as the send paths see them. */
export interface BreakerBoard {
  /** Asks to call `provider` now. */
  acquire(provider: string): Permit | Rejection;
  /** The state of one provider's breaker and when it may next be probed. */
  status(provider: string): BreakerStatus;
  /** Subscribes to every breaker's events; returns the unsubscribe function. */
  onEvent(listener: (provider: string, event: BreakerEvent) => void): () => void;
  /** Resolves once the board knows the current state (a shared board has read it once). */
  ready(): Promise<void>;
}

/** A board of in-process breakers (one process's view; see the shared board for a fleet's). */
export class LocalBreakerBoard implements BreakerBoard {
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #listeners = new Set<(provider: string, event: BreakerEvent) => void>();

  constructor(
    private readonly options: BreakerOptions,
    private readonly clock: Clock,
  ) {}

  /** The breaker of a provider, created on first use. */
  breaker(provider: string): CircuitBreaker {
    let breaker = this.#breakers.get(provider);
    if (!breaker) {
      breaker = new CircuitBreaker({ ...this.options, clock: this.clock, name: provider });
      breaker.onEvent((event) => {
        for (const listener of this.#listeners) listener(provider, event);
      });
      this.#breakers.set(provider, breaker);
    }
    return breaker;
  }

  acquire(provider: string): Permit | Rejection {
    return this.breaker(provider).acquire();
  }

  status(provider: string): BreakerStatus {
    const breaker = this.breaker(provider);
    return { state: breaker.state, nextProbeAt: breaker.nextProbeAt() };
  }

  onEvent(listener: (provider: string, event: BreakerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async ready(): Promise<void> {}
}
