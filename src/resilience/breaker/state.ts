import { toProviderError } from '../../providers/errors.js';
import type { BreakerEvent } from './events.js';
import type { ResolvedBreakerOptions } from './options.js';

/** Where a circuit stands: letting calls through, refusing them, or testing with one probe. */
export type BreakerState = 'closed' | 'open' | 'half_open';

/** One recorded call outcome in the sliding window. */
export type BreakerOutcome = 'success' | 'failure';

/**
 * Everything a breaker knows, as plain JSON, so that worker processes can share one circuit
 * through the database: read a snapshot, apply a pure transition below, write it back.
 */
export interface BreakerSnapshot {
  /** The state as of the last transition; time passing alone changes nothing until the next call. */
  readonly state: BreakerState;
  /** Outcomes recorded while closed, oldest first, at most `windowSize`; emptied on open and close. */
  readonly window: readonly BreakerOutcome[];
  /** When the circuit last opened. */
  readonly openedAt?: number;
  /** When the current break ends and a probe may be granted. */
  readonly until?: number;
  /** The break duration in effect, in milliseconds: grows on failed probes, resets on close. */
  readonly breakMs: number;
  /** When the half-open probe now in flight was granted; absent when no probe is out. */
  readonly probeGrantedAt?: number;
}

/**
 * Proof of a granted call, handed back when its outcome is recorded. Serializable, so a worker
 * can record the outcome of a permit granted to it against a snapshot read later. A probe ticket
 * counts only while it matches the snapshot's current grant, so a late reply from an expired
 * probe, or from a call let through before the circuit opened, cannot close or reopen it.
 */
export interface PermitTicket {
  /** Whether this call is the half-open probe. */
  readonly probe: boolean;
  /** When the call was permitted. */
  readonly grantedAt: number;
}

/** A new snapshot and the events the transition produced, in order. */
export interface BreakerTransition {
  snapshot: BreakerSnapshot;
  events: BreakerEvent[];
}

/** The result of asking to make a call. */
export type AcquireResult = BreakerTransition &
  ({ permitted: true; ticket: PermitTicket } | { permitted: false; until: number });

/** A closed circuit with an empty window: how every breaker starts. */
export function initialSnapshot(options: ResolvedBreakerOptions): BreakerSnapshot {
  return { state: 'closed', window: [], breakMs: options.breakMs };
}

/** The shortest wait a caller refused while a probe is out is told to keep, in ms. */
export const PROBE_RECHECK_MIN_MS = 500;

/**
 * When a caller refused while a probe is out should ask again: after as long as the probe has
 * been out so far (`now - probeSince`, at least {@link PROBE_RECHECK_MIN_MS}), and no later than
 * the probe's `deadline`. Why not simply the deadline: a probe usually answers in well under a
 * second, and the callers waiting on it (a worker parks such messages until this time) should
 * follow within about as long again, not sit out the whole attempt timeout the deadline allows
 * for. Why not a fixed short interval: a probe that hangs would then have every waiting caller
 * come back many times a second; growing with the probe's age, each caller asks at most about
 * log2(deadline / minimum) times.
 */
export function probeRecheckAt(now: number, probeSince: number, deadline: number): number {
  return Math.min(deadline, now + Math.max(PROBE_RECHECK_MIN_MS, now - probeSince));
}

/**
 * Asks to make a call at `now`. Closed: permitted. Open before `until`: refused until then. Open at
 * or after `until`: moves to half-open and grants the single probe. Half-open: refused while a
 * probe is out (with a re-check time from {@link probeRecheckAt}), unless its grant is older than
 * `probeTimeoutMs`, in which case this call becomes the probe.
 */
export function tryAcquire(snapshot: BreakerSnapshot, now: number, options: ResolvedBreakerOptions): AcquireResult {
  if (snapshot.state === 'closed') {
    return { permitted: true, ticket: { probe: false, grantedAt: now }, snapshot, events: [] };
  }
  if (snapshot.state === 'open') {
    const until = snapshot.until ?? now;
    if (now < until) return refuse(snapshot, now, until);
    return {
      permitted: true,
      ticket: { probe: true, grantedAt: now },
      snapshot: { ...snapshot, state: 'half_open', probeGrantedAt: now },
      events: [{ type: 'half_opened', at: now }],
    };
  }
  const probeExpiresAt = probeExpiry(snapshot, options);
  if (snapshot.probeGrantedAt !== undefined && probeExpiresAt !== undefined && now < probeExpiresAt) {
    return refuse(snapshot, now, probeRecheckAt(now, snapshot.probeGrantedAt, probeExpiresAt));
  }
  return { permitted: true, ticket: { probe: true, grantedAt: now }, snapshot: { ...snapshot, probeGrantedAt: now }, events: [] };
}

/** Records a successful call: a window entry while closed, or the close of the circuit for the probe. */
export function recordSuccess(
  snapshot: BreakerSnapshot,
  ticket: PermitTicket,
  now: number,
  options: ResolvedBreakerOptions,
): BreakerTransition {
  if (snapshot.state === 'closed') return recordInWindow(snapshot, 'success', now, options);
  if (!isCurrentProbe(snapshot, ticket)) return unchanged(snapshot);
  return { snapshot: initialSnapshot(options), events: [{ type: 'closed', at: now }] };
}

/**
 * Records a failed call. Only retryable failures (anything `toProviderError` calls retryable)
 * count. Following resilience4j's `ignoreExceptions`, rate-limited and permanent errors are not
 * recorded at all: a 429 means the vendor is up and pacing us, and a permanent error is about the
 * message (bad recipient, bad content), so neither says the provider is down; counting them as
 * successes would instead hide real outages behind a burst of bad input. Such an outcome only
 * frees a probe slot it held, so the next call may probe.
 */
export function recordFailure(
  snapshot: BreakerSnapshot,
  ticket: PermitTicket,
  error: unknown,
  now: number,
  options: ResolvedBreakerOptions,
): BreakerTransition {
  if (!countsAsFailure(error)) return releasePermit(snapshot, ticket);
  if (snapshot.state === 'closed') return recordInWindow(snapshot, 'failure', now, options);
  if (!isCurrentProbe(snapshot, ticket)) return unchanged(snapshot);
  const breakMs = Math.min(options.maxBreakMs, snapshot.breakMs * options.breakMultiplier);
  return open(snapshot, now, breakMs, 1, 1);
}

/** Gives back a permit whose call never reached the provider; frees the probe slot if it held it. */
export function releasePermit(snapshot: BreakerSnapshot, ticket: PermitTicket): BreakerTransition {
  if (!isCurrentProbe(snapshot, ticket)) return unchanged(snapshot);
  return { snapshot: withoutProbe(snapshot), events: [] };
}

/** Whether `error` counts against the provider in the window (true for retryable failures only). */
export function countsAsFailure(error: unknown): boolean {
  return toProviderError(error).kind === 'retryable';
}

/**
 * The time from which a call may next be let through as a probe: the end of the break while open,
 * the expiry of the probe in flight while half-open (or the past `until` when the slot is free),
 * and undefined while closed.
 */
export function nextProbeAt(snapshot: BreakerSnapshot, options: ResolvedBreakerOptions): number | undefined {
  if (snapshot.state === 'closed') return undefined;
  if (snapshot.state === 'open') return snapshot.until;
  return probeExpiry(snapshot, options) ?? snapshot.until;
}

function recordInWindow(
  snapshot: BreakerSnapshot,
  outcome: BreakerOutcome,
  now: number,
  options: ResolvedBreakerOptions,
): BreakerTransition {
  const window = [...snapshot.window, outcome].slice(-options.windowSize);
  const calls = window.length;
  const failures = window.filter((entry) => entry === 'failure').length;
  const failureRatio = failures / calls;
  // Checked after successes too, as resilience4j does: the call that fills the window to
  // minimumCalls may be a success and still leave the ratio over the threshold.
  if (calls >= Math.min(options.minimumCalls, options.windowSize) && failureRatio >= options.failureThreshold) {
    return open(snapshot, now, options.breakMs, failureRatio, calls);
  }
  return { snapshot: { ...snapshot, window }, events: [] };
}

function open(snapshot: BreakerSnapshot, now: number, breakMs: number, failureRatio: number, calls: number): BreakerTransition {
  const until = now + breakMs;
  return {
    snapshot: { ...withoutProbe(snapshot), state: 'open', window: [], openedAt: now, until, breakMs },
    events: [{ type: 'opened', at: now, until, failureRatio, calls }],
  };
}

function refuse(snapshot: BreakerSnapshot, now: number, until: number): AcquireResult {
  return { permitted: false, until, snapshot, events: [{ type: 'rejected', at: now, until }] };
}

function probeExpiry(snapshot: BreakerSnapshot, options: ResolvedBreakerOptions): number | undefined {
  return snapshot.probeGrantedAt === undefined ? undefined : snapshot.probeGrantedAt + options.probeTimeoutMs;
}

function isCurrentProbe(snapshot: BreakerSnapshot, ticket: PermitTicket): boolean {
  return snapshot.state === 'half_open' && ticket.probe && ticket.grantedAt === snapshot.probeGrantedAt;
}

function withoutProbe(snapshot: BreakerSnapshot): BreakerSnapshot {
  const { probeGrantedAt: _released, ...rest } = snapshot;
  return rest;
}

function unchanged(snapshot: BreakerSnapshot): BreakerTransition {
  return { snapshot, events: [] };
}
