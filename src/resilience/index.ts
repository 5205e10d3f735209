/** Resilience pieces: backoff, retry decisions and loop, per-provider circuit breaker, attempt timeout. */
export { fullJitterBackoff } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { DEFAULT_RETRY_OPTIONS, decideRetry, resolveRetryOptions } from './retry-decision.js';
export type { ResolvedRetryOptions, RetryDecision, RetryOptions } from './retry-decision.js';
export { retry } from './retry.js';
export type { RetryInfo, RetryLoopOptions } from './retry.js';
export { withTimeout } from './timeout.js';
export { CircuitBreaker } from './breaker/circuit-breaker.js';
export type { CircuitBreakerInit, Permit, Rejection } from './breaker/circuit-breaker.js';
export { BrokenCircuitError } from './breaker/errors.js';
export type {
  BreakerClosedEvent,
  BreakerEvent,
  BreakerHalfOpenedEvent,
  BreakerListener,
  BreakerOpenedEvent,
  BreakerRejectedEvent,
} from './breaker/events.js';
export { DEFAULT_BREAKER_OPTIONS, PROBE_MARGIN_MS, probeTimeoutFor, resolveBreakerOptions } from './breaker/options.js';
export type { BreakerOptions, ResolvedBreakerOptions } from './breaker/options.js';
export {
  countsAsFailure,
  initialSnapshot,
  nextProbeAt,
  PROBE_RECHECK_MIN_MS,
  probeRecheckAt,
  recordFailure,
  recordSuccess,
  releasePermit,
  tryAcquire,
} from './breaker/state.js';
export type {
  AcquireResult,
  BreakerOutcome,
  BreakerSnapshot,
  BreakerState,
  BreakerTransition,
  PermitTicket,
} from './breaker/state.js';
export { LocalBreakerBoard } from './breaker/board.js';
export type { BreakerBoard, BreakerStatus } from './breaker/board.js';
