import { checkOption } from '../options.js';

/** When a provider instance's circuit opens and how it recovers. Every field is optional. */
export interface BreakerOptions {
  /** How many of the most recent recorded call outcomes the failure ratio is computed over. Default 20. */
  windowSize?: number;
  /**
   * Outcomes the window must hold before the ratio can open the circuit. Default 10. A value above
   * `windowSize` acts as `windowSize` (as in resilience4j), since the window never holds more.
   */
  minimumCalls?: number;
  /** Failure ratio, in (0, 1], at or above which the circuit opens. Default 0.5. */
  failureThreshold?: number;
  /** How long the circuit stays open the first time, in milliseconds. Default 30000. */
  breakMs?: number;
  /** Longest break the growth may reach, in milliseconds. Default 300000. */
  maxBreakMs?: number;
  /** Factor the break grows by after each failed half-open probe; reset on close. Default 2. */
  breakMultiplier?: number;
  /**
   * How long a half-open probe grant is held, in milliseconds, before another call may probe.
   * Guards against a probe whose holder died never reporting back. Default 60000; the runtime
   * derives it from the attempt timeout with {@link probeTimeoutFor}.
   */
  probeTimeoutMs?: number;
}

/** Breaker options with every default filled in. */
export type ResolvedBreakerOptions = Readonly<Required<BreakerOptions>>;

/** The defaults of {@link BreakerOptions}, written once. */
export const DEFAULT_BREAKER_OPTIONS: ResolvedBreakerOptions = Object.freeze({
  windowSize: 20,
  minimumCalls: 10,
  failureThreshold: 0.5,
  breakMs: 30_000,
  maxBreakMs: 300_000,
  breakMultiplier: 2,
  probeTimeoutMs: 60_000,
});

/** What a probe's deadline allows beyond the call's own timeout: granting it, and recording and sharing its outcome, in ms. */
export const PROBE_MARGIN_MS = 5_000;

/**
 * The probe timeout that goes with an attempt timeout: a probe is one call, so once the call's
 * own timeout and a margin have passed without an outcome, its holder is taken to be gone.
 */
export function probeTimeoutFor(attemptTimeoutMs: number): number {
  return attemptTimeoutMs + PROBE_MARGIN_MS;
}

/** Fills in defaults and checks ranges; throws a ValidationError naming the bad option. */
export function resolveBreakerOptions(partial: BreakerOptions = {}): ResolvedBreakerOptions {
  const resolved: Required<BreakerOptions> = { ...DEFAULT_BREAKER_OPTIONS };
  for (const key of Object.keys(DEFAULT_BREAKER_OPTIONS) as (keyof BreakerOptions)[]) {
    const value = partial[key];
    if (value !== undefined) resolved[key] = value;
  }
  const maxMs = Number.MAX_SAFE_INTEGER;
  checkOption('windowSize', resolved.windowSize, { min: 1, max: 10_000, integer: true });
  checkOption('minimumCalls', resolved.minimumCalls, { min: 1, integer: true });
  checkOption('failureThreshold', resolved.failureThreshold, { min: 0, max: 1, exclusiveMin: true });
  checkOption('breakMs', resolved.breakMs, { min: 0, max: maxMs });
  checkOption('maxBreakMs', resolved.maxBreakMs, { min: resolved.breakMs, max: maxMs });
  checkOption('breakMultiplier', resolved.breakMultiplier, { min: 1, max: 1_000 });
  checkOption('probeTimeoutMs', resolved.probeTimeoutMs, { min: 0, max: maxMs, exclusiveMin: true });
  return Object.freeze(resolved);
}
