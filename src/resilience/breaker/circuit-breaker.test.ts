import { describe, expect, it } from 'vitest';
import { PermanentProviderError, RateLimitedProviderError, RetryableProviderError } from '../../providers/errors.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { Permit } from './circuit-breaker.js';
import { BrokenCircuitError } from './errors.js';
import type { BreakerEvent } from './events.js';
import type { BreakerOptions } from './options.js';

const T0 = 1_000_000;
const outage = (): RetryableProviderError => new RetryableProviderError('503', { status: 503 });

function setup(options: BreakerOptions = {}) {
  const clock = { time: T0, now: () => clock.time };
  const breaker = new CircuitBreaker({ clock, name: 'sendgrid', ...options });
  const events: BreakerEvent[] = [];
  breaker.onEvent((event) => events.push(event));
  const permit = (): Permit => {
    const result = breaker.acquire();
    if (!result.permitted) throw new Error(`expected a permit at ${clock.time}`);
    return result;
  };
  const fail = (times = 1): void => {
    for (let i = 0; i < times; i += 1) permit().failure(outage());
  };
  const succeed = (times = 1): void => {
    for (let i = 0; i < times; i += 1) permit().success();
  };
  /** Counts how many of `tries` calls are permitted (and leaves those permits open). */
  const permittedOf = (tries: number): Permit[] =>
    Array.from({ length: tries }, () => breaker.acquire()).filter((result): result is Permit => result.permitted);
  const types = (): string[] => events.map((event) => event.type);
  return { clock, breaker, events, permit, fail, succeed, permittedOf, types };
}

describe('CircuitBreaker while closed', () => {
  it('stays closed below minimumCalls however many fail, then opens on reaching it', () => {
    const { breaker, events, fail, clock } = setup();
    fail(9);
    expect(breaker.state).toBe('closed');
    expect(events).toEqual([]);
    clock.time += 5;
    fail();
    expect(breaker.state).toBe('open');
    expect(events).toEqual([{ type: 'opened', at: T0 + 5, until: T0 + 5 + 30_000, failureRatio: 1, calls: 10 }]);
  });

  it('opens at exactly the failure threshold and not below it', () => {
    const below = setup({ windowSize: 4, minimumCalls: 4, failureThreshold: 0.5 });
    below.succeed(3);
    below.fail();
    expect(below.breaker.state).toBe('closed');
    const at = setup({ windowSize: 4, minimumCalls: 4, failureThreshold: 0.5 });
    at.fail();
    at.succeed();
    at.fail();
    at.succeed();
    expect(at.breaker.state).toBe('open');
    expect(at.events).toEqual([{ type: 'opened', at: T0, until: T0 + 30_000, failureRatio: 0.5, calls: 4 }]);
  });

  it('opens on the success that brings the window to minimumCalls when the ratio is over (as resilience4j)', () => {
    const { breaker, fail, succeed, types } = setup({ windowSize: 10, minimumCalls: 4 });
    fail(3);
    succeed();
    expect(breaker.state).toBe('open');
    expect(types()).toEqual(['opened']);
  });

  it('counts only the last windowSize outcomes', () => {
    const { breaker, events, fail, succeed } = setup({ windowSize: 4, minimumCalls: 2, failureThreshold: 0.75 });
    fail();
    succeed(4);
    expect(breaker.snapshot().window).toEqual(['success', 'success', 'success', 'success']);
    fail(2);
    expect(breaker.state).toBe('closed');
    // Over all eight calls the ratio is 4/8; over the window of four it is 3/4.
    fail();
    expect(breaker.state).toBe('open');
    expect(events).toEqual([{ type: 'opened', at: T0, until: T0 + 30_000, failureRatio: 0.75, calls: 4 }]);
  });

  it('records neither rate-limited nor permanent errors', () => {
    const { breaker, permit, events } = setup({ minimumCalls: 2 });
    for (let i = 0; i < 50; i += 1) {
      permit().failure(new RateLimitedProviderError('429', { status: 429 }, 1000));
      permit().failure(new PermanentProviderError('bad recipient', { status: 400 }));
    }
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot().window).toEqual([]);
    expect(events).toEqual([]);
  });

  it('counts anything else thrown as a failure, since it is normalized to retryable', () => {
    const { breaker, permit } = setup({ minimumCalls: 2 });
    permit().failure(new TypeError('fetch failed'));
    permit().failure('boom');
    expect(breaker.state).toBe('open');
  });

  it('records an outcome once, however often a permit is settled', () => {
    const { breaker, permit } = setup();
    const held = permit();
    held.failure(outage());
    held.failure(outage());
    held.success();
    held.release();
    expect(breaker.snapshot().window).toEqual(['failure']);
  });

  it('records nothing for a released permit', () => {
    const { breaker, permit } = setup();
    permit().release();
    expect(breaker.snapshot().window).toEqual([]);
  });
});

describe('CircuitBreaker while open', () => {
  it('refuses every call until the break ends, emitting a rejection each time', () => {
    const { breaker, clock, fail, permittedOf, events } = setup({ minimumCalls: 1, windowSize: 1 });
    fail();
    events.length = 0;
    expect(permittedOf(5)).toHaveLength(0);
    clock.time = T0 + 29_999;
    const refusal = breaker.acquire();
    expect(refusal).toMatchObject({ permitted: false, until: T0 + 30_000 });
    expect(events).toEqual([
      ...Array.from({ length: 5 }, () => ({ type: 'rejected', at: T0, until: T0 + 30_000 })),
      { type: 'rejected', at: T0 + 29_999, until: T0 + 30_000 },
    ]);
    expect(breaker.state).toBe('open');
    expect(breaker.nextProbeAt()).toBe(T0 + 30_000);
  });

  it('makes execute throw BrokenCircuitError without calling fn', async () => {
    const { breaker, fail } = setup({ minimumCalls: 1 });
    fail();
    let called = false;
    const error = await breaker
      .execute(async () => {
        called = true;
      })
      .catch((thrown: unknown) => thrown);
    expect(called).toBe(false);
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(error).toMatchObject({ code: 'circuit_open', until: T0 + 30_000, circuit: 'sendgrid' });
  });

  it('ignores late outcomes of calls let through before it opened', () => {
    const { breaker, permit, fail, succeed, clock } = setup({ minimumCalls: 2, windowSize: 2 });
    const early = [permit(), permit()];
    fail(2);
    early[0]?.success();
    early[1]?.failure(outage());
    expect(breaker.snapshot()).toEqual({ state: 'open', window: [], openedAt: T0, until: T0 + 30_000, breakMs: 30_000 });
    clock.time = T0 + 30_000;
    succeed();
    expect(breaker.state).toBe('closed');
  });
});

describe('CircuitBreaker while half-open', () => {
  function opened(options: BreakerOptions = {}) {
    const context = setup({ minimumCalls: 1, windowSize: 1, ...options });
    context.fail();
    context.clock.time = T0 + 30_000;
    return context;
  }

  it('lets exactly one probe through and refuses the rest until the probe expires', () => {
    const { breaker, permittedOf, events, types, clock } = opened();
    const permitted = permittedOf(10);
    expect(permitted).toHaveLength(1);
    expect(permitted[0]?.probe).toBe(true);
    expect(breaker.state).toBe('half_open');
    expect(types()).toEqual(['opened', 'half_opened', ...Array.from({ length: 9 }, () => 'rejected')]);
    // Refused callers are told to ask again soon, not when the probe would expire.
    expect(events[2]).toEqual({ type: 'rejected', at: T0 + 30_000, until: T0 + 30_000 + 500 });
    expect(breaker.nextProbeAt()).toBe(T0 + 90_000);
    clock.time = T0 + 89_999;
    expect(breaker.acquire()).toMatchObject({ permitted: false, until: T0 + 90_000 });
    clock.time = T0 + 90_000;
    expect(breaker.acquire()).toMatchObject({ permitted: true, probe: true });
  });

  it('closes on a successful probe, with an empty window and the break reset', () => {
    const { breaker, permit, clock, events, fail } = opened();
    const probe = permit();
    clock.time += 100;
    probe.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot()).toEqual({ state: 'closed', window: [], breakMs: 30_000 });
    expect(breaker.nextProbeAt()).toBeUndefined();
    expect(events.slice(1)).toEqual([
      { type: 'half_opened', at: T0 + 30_000 },
      { type: 'closed', at: T0 + 30_100 },
    ]);
    fail();
    expect(events.at(-1)).toMatchObject({ type: 'opened', until: clock.time + 30_000 });
  });

  it('reopens on a failed probe with the break grown by the multiplier, up to maxBreakMs', () => {
    const { breaker, permit, clock, events } = opened();
    const breaks: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      permit().failure(outage());
      const last = events.at(-1);
      if (last?.type !== 'opened') throw new Error('expected the probe failure to reopen the circuit');
      expect(last).toMatchObject({ at: clock.time, failureRatio: 1, calls: 1 });
      breaks.push(last.until - last.at);
      clock.time = last.until;
    }
    expect(breaks).toEqual([60_000, 120_000, 240_000, 300_000, 300_000]);
    expect(breaker.snapshot().breakMs).toBe(300_000);
    permit().success();
    permit().failure(outage());
    expect(events.at(-1)).toMatchObject({ type: 'opened', until: clock.time + 30_000 });
  });

  it('frees the probe slot without changing state when the probe ends in an ignored error', () => {
    const { breaker, permit, types } = opened();
    permit().failure(new RateLimitedProviderError('429', { status: 429 }));
    expect(breaker.state).toBe('half_open');
    const next = permit();
    expect(next.probe).toBe(true);
    next.failure(new PermanentProviderError('bad recipient'));
    permit().release();
    expect(breaker.state).toBe('half_open');
    permit().success();
    expect(types()).toEqual(['opened', 'half_opened', 'closed']);
  });

  it('expires a probe that never reports back, so the circuit cannot stay half-open forever', () => {
    const { breaker, permit, clock, permittedOf, types } = opened();
    const lost = permit();
    clock.time += 59_999;
    expect(permittedOf(3)).toHaveLength(0);
    clock.time += 1;
    const replacement = permit();
    expect(replacement.probe).toBe(true);
    lost.success();
    expect(breaker.state).toBe('half_open');
    lost.failure(outage());
    expect(breaker.state).toBe('half_open');
    replacement.success();
    expect(breaker.state).toBe('closed');
    expect(types()).toEqual(['opened', 'half_opened', 'rejected', 'rejected', 'rejected', 'closed']);
  });

  it('ignores a closed-state permit that reports while a probe is out', () => {
    const { breaker, permit, fail, clock } = setup({ minimumCalls: 2, windowSize: 2 });
    const straggler = permit();
    fail(2);
    clock.time = T0 + 30_000;
    const probe = permit();
    straggler.failure(outage());
    expect(breaker.state).toBe('half_open');
    probe.success();
    expect(breaker.state).toBe('closed');
  });
});

describe('CircuitBreaker plumbing', () => {
  it('records the outcome of execute and passes its result or error through', async () => {
    const { breaker } = setup({ minimumCalls: 3, windowSize: 3, failureThreshold: 1 });
    await expect(breaker.execute(async () => 42)).resolves.toBe(42);
    const error = outage();
    await expect(breaker.execute(async () => Promise.reject(error))).rejects.toBe(error);
    await expect(
      breaker.execute(() => {
        throw error;
      }),
    ).rejects.toBe(error);
    expect(breaker.snapshot().window).toEqual(['success', 'failure', 'failure']);
    expect(breaker.state).toBe('closed');
  });

  it('stops delivering events after unsubscribe', () => {
    const { breaker, fail } = setup({ minimumCalls: 1, windowSize: 1 });
    const seen: string[] = [];
    const unsubscribe = breaker.onEvent((event) => seen.push(event.type));
    breaker.acquire();
    unsubscribe();
    fail();
    breaker.acquire();
    expect(seen).toEqual([]);
    const again = breaker.onEvent((event) => seen.push(event.type));
    breaker.acquire();
    again();
    expect(seen).toEqual(['rejected']);
  });

  it('continues from a restored JSON snapshot, as another process would', () => {
    const first = setup({ minimumCalls: 1, windowSize: 1 });
    first.fail();
    first.clock.time = T0 + 30_000;
    const probe = first.permit();
    const stored = JSON.parse(JSON.stringify(first.breaker.snapshot())) as ReturnType<CircuitBreaker['snapshot']>;

    const second = setup({ minimumCalls: 1, windowSize: 1 });
    second.clock.time = T0 + 30_001;
    second.breaker.restore(stored);
    expect(second.breaker.state).toBe('half_open');
    expect(second.permittedOf(1)).toHaveLength(0);
    probe.success();
    expect(first.breaker.state).toBe('closed');

    const started = new CircuitBreaker({ clock: second.clock, snapshot: stored, minimumCalls: 1 });
    expect(started.nextProbeAt()).toBe(T0 + 90_000);
  });

  it('rejects invalid options naming the option', () => {
    const clock = { now: () => 0 };
    expect(() => new CircuitBreaker({ clock, failureThreshold: 0 })).toThrow(/failureThreshold/);
    expect(() => new CircuitBreaker({ clock, maxBreakMs: 10, breakMs: 20 })).toThrow(/maxBreakMs/);
  });
});
