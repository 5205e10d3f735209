/** The circuit opened: calls are refused until `until`. */
export interface BreakerOpenedEvent {
  type: 'opened';
  /** When it opened. */
  at: number;
  /** When the next probe is allowed. */
  until: number;
  /** Failures / recorded outcomes that tripped it (1 after a failed probe). */
  failureRatio: number;
  /** Recorded outcomes the ratio was computed over (1 after a failed probe). */
  calls: number;
}

/** The break elapsed and a single probe call was let through. */
export interface BreakerHalfOpenedEvent {
  type: 'half_opened';
  /** When the probe was granted. */
  at: number;
}

/** A probe succeeded; the circuit is closed and its window empty. */
export interface BreakerClosedEvent {
  type: 'closed';
  /** When it closed. */
  at: number;
}

/** A call was refused because the circuit is open or its single probe is taken. */
export interface BreakerRejectedEvent {
  type: 'rejected';
  /** When the call was refused. */
  at: number;
  /** When to ask again (see Rejection.until). */
  until: number;
}

/** Everything a breaker reports, in the order it happens. */
export type BreakerEvent = BreakerOpenedEvent | BreakerHalfOpenedEvent | BreakerClosedEvent | BreakerRejectedEvent;

/** Receives breaker events synchronously; it must not throw. */
export type BreakerListener = (event: BreakerEvent) => void;
