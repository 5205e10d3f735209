import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PermanentProviderError, RateLimitedProviderError, RetryableProviderError } from '../../providers/errors.js';
import { resolveBreakerOptions } from './options.js';
import {
  countsAsFailure,
  initialSnapshot,
  nextProbeAt,
  PROBE_RECHECK_MIN_MS,
  probeRecheckAt,
  recordFailure,
  recordSuccess,
  releasePermit,
  tryAcquire,
} from './state.js';
import type { BreakerEvent } from './events.js';
import type { BreakerSnapshot, PermitTicket } from './state.js';

const options = resolveBreakerOptions({ windowSize: 4, minimumCalls: 2, breakMs: 1000, maxBreakMs: 8000, probeTimeoutMs: 5000 });
const outage = new RetryableProviderError('503');

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function acquired(snapshot: BreakerSnapshot, now: number): { snapshot: BreakerSnapshot; ticket: PermitTicket } {
  const result = tryAcquire(snapshot, now, options);
  if (!result.permitted) throw new Error('expected a permit');
  return result;
}

describe('breaker state transitions', () => {
  it('never mutates the snapshot it is given', () => {
    const closed = deepFreeze(initialSnapshot(options));
    const first = acquired(closed, 0);
    const failed = deepFreeze(recordFailure(first.snapshot, first.ticket, outage, 0, options).snapshot);
    const opened = deepFreeze(recordFailure(failed, first.ticket, outage, 0, options));
    expect(opened.snapshot.state).toBe('open');
    const probe = deepFreeze(acquired(opened.snapshot, 1000));
    expect(recordSuccess(probe.snapshot, probe.ticket, 1001, options).snapshot.state).toBe('closed');
    expect(recordFailure(probe.snapshot, probe.ticket, outage, 1001, options).snapshot.breakMs).toBe(2000);
    expect(releasePermit(probe.snapshot, probe.ticket).snapshot.probeGrantedAt).toBeUndefined();
  });

  it('returns the events of each step in order, including the move to half-open', () => {
    const open: BreakerSnapshot = { state: 'open', window: [], openedAt: 0, until: 1000, breakMs: 1000 };
    expect(tryAcquire(open, 999, options)).toMatchObject({
      permitted: false,
      until: 1000,
      events: [{ type: 'rejected', at: 999, until: 1000 }],
    });
    const granted = tryAcquire(open, 1000, options);
    expect(granted).toMatchObject({
      permitted: true,
      ticket: { probe: true, grantedAt: 1000 },
      snapshot: { state: 'half_open', probeGrantedAt: 1000, until: 1000 },
      events: [{ type: 'half_opened', at: 1000 }],
    });
    expect(nextProbeAt(granted.snapshot, options)).toBe(6000);
  });

  it('tells callers refused during a probe to ask again after as long as the probe has been out, by its deadline', () => {
    const open: BreakerSnapshot = { state: 'open', window: [], openedAt: 0, until: 1000, breakMs: 1000 };
    const probe = acquired(open, 1000);
    const refusedAt = (now: number) => {
      const result = tryAcquire(probe.snapshot, now, options);
      if (result.permitted) throw new Error('expected a refusal');
      return result.until;
    };
    expect(refusedAt(1000)).toBe(1000 + PROBE_RECHECK_MIN_MS);
    expect(refusedAt(1400)).toBe(1400 + PROBE_RECHECK_MIN_MS);
    expect(refusedAt(2000)).toBe(3000); // out for 1 s: ask again in 1 s
    expect(refusedAt(3500)).toBe(6000); // out for 2.5 s, but it expires at 6000
    expect(refusedAt(5999)).toBe(6000);
    expect(tryAcquire(probe.snapshot, 6000, options).permitted).toBe(true);
  });

  it('bounds the re-check time between the minimum wait and the deadline, for any times', () => {
    fc.assert(
      fc.property(fc.nat(1e9), fc.nat(1e6), fc.nat(1e6), (since, age, left) => {
        const now = since + age;
        const deadline = now + left + 1;
        const at = probeRecheckAt(now, since, deadline);
        expect(at).toBeGreaterThan(now);
        expect(at).toBeLessThanOrEqual(deadline);
        expect(at === deadline || at - now >= PROBE_RECHECK_MIN_MS).toBe(true);
      }),
    );
  });

  it('accepts a ticket that went through JSON, as one granted by another worker', () => {
    const open: BreakerSnapshot = { state: 'open', window: [], openedAt: 0, until: 1000, breakMs: 1000 };
    const probe = acquired(open, 1000);
    const [snapshot, ticket] = JSON.parse(JSON.stringify([probe.snapshot, probe.ticket])) as [BreakerSnapshot, PermitTicket];
    expect(recordSuccess(snapshot, ticket, 1200, options).events).toEqual([{ type: 'closed', at: 1200 }]);
  });

  it('ignores a probe ticket that is not the current grant', () => {
    const halfOpen: BreakerSnapshot = {
      state: 'half_open',
      window: [],
      openedAt: 0,
      until: 1000,
      breakMs: 1000,
      probeGrantedAt: 1500,
    };
    const stale: PermitTicket = { probe: true, grantedAt: 1000 };
    expect(recordFailure(halfOpen, stale, outage, 1600, options)).toEqual({ snapshot: halfOpen, events: [] });
    expect(recordSuccess(halfOpen, stale, 1600, options)).toEqual({ snapshot: halfOpen, events: [] });
    expect(releasePermit(halfOpen, stale)).toEqual({ snapshot: halfOpen, events: [] });
  });

  it('classifies only retryable failures as counting against the circuit', () => {
    expect(countsAsFailure(outage)).toBe(true);
    expect(countsAsFailure(new Error('anything'))).toBe(true);
    expect(countsAsFailure(new RateLimitedProviderError('429'))).toBe(false);
    expect(countsAsFailure(new PermanentProviderError('401'))).toBe(false);
  });
});

type Step =
  | { kind: 'call'; outcome: 'success' | 'retryable' | 'rate_limited' | 'permanent' | 'release' | 'hold' }
  | { kind: 'settle'; outcome: 'success' | 'retryable' }
  | { kind: 'wait'; ms: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('call' as const),
    outcome: fc.constantFrom('success', 'retryable', 'rate_limited', 'permanent', 'release', 'hold'),
  }),
  fc.record({ kind: fc.constant('settle' as const), outcome: fc.constantFrom('success', 'retryable') }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 10_000 }) }),
);

const errorOf = {
  retryable: outage,
  rate_limited: new RateLimitedProviderError('429', {}, 10),
  permanent: new PermanentProviderError('400'),
} as const;

describe('breaker state invariants', () => {
  it('holds its invariants and legal event order under any sequence of calls', () => {
    fc.assert(
      fc.property(fc.array(stepArbitrary, { maxLength: 200 }), (steps) => {
        let snapshot = initialSnapshot(options);
        let now = 0;
        const held: PermitTicket[] = [];
        const events: BreakerEvent[] = [];
        const apply = (result: { snapshot: BreakerSnapshot; events: BreakerEvent[] }): void => {
          snapshot = result.snapshot;
          events.push(...result.events);
        };
        for (const step of steps) {
          if (step.kind === 'wait') {
            now += step.ms;
          } else if (step.kind === 'settle') {
            const ticket = held.shift();
            if (ticket === undefined) continue;
            apply(
              step.outcome === 'success'
                ? recordSuccess(snapshot, ticket, now, options)
                : recordFailure(snapshot, ticket, outage, now, options),
            );
          } else {
            const before = snapshot;
            const result = tryAcquire(snapshot, now, options);
            apply(result);
            if (!result.permitted) continue;
            // Exactly one probe: a probe is granted only when none is out or the one out has expired.
            if (result.ticket.probe && before.state === 'half_open' && before.probeGrantedAt !== undefined) {
              expect(now).toBeGreaterThanOrEqual(before.probeGrantedAt + options.probeTimeoutMs);
            }
            if (step.outcome === 'hold') held.push(result.ticket);
            else if (step.outcome === 'release') apply(releasePermit(snapshot, result.ticket));
            else if (step.outcome === 'success') apply(recordSuccess(snapshot, result.ticket, now, options));
            else apply(recordFailure(snapshot, result.ticket, errorOf[step.outcome], now, options));
          }
          expect(snapshot.window.length).toBeLessThanOrEqual(options.windowSize);
          if (snapshot.state !== 'closed') expect(snapshot.window).toEqual([]);
          if (snapshot.state !== 'half_open') expect(snapshot.probeGrantedAt).toBeUndefined();
          if (snapshot.state === 'open') expect(snapshot.until).toBe((snapshot.openedAt ?? Number.NaN) + snapshot.breakMs);
          expect(snapshot.breakMs).toBeGreaterThanOrEqual(options.breakMs);
          expect(snapshot.breakMs).toBeLessThanOrEqual(options.maxBreakMs);
        }
        const follows: Record<string, string[]> = {
          none: ['opened'],
          closed: ['opened'],
          opened: ['half_opened'],
          half_opened: ['opened', 'closed'],
        };
        let last = 'none';
        for (const event of events) {
          if (event.type === 'rejected') continue;
          expect(follows[last]).toContain(event.type);
          last = event.type;
        }
      }),
      { numRuns: 300 },
    );
  });
});
