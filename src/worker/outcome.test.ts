import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../message/types.js';
import { PermanentProviderError, RateLimitedProviderError, RetryableProviderError } from '../providers/errors.js';
import type { ProviderError } from '../providers/errors.js';
import { resolveRetryOptions } from '../resilience/retry-decision.js';
import type { AttemptResult, Failover } from './attempt.js';
import { planOutcome } from './outcome.js';
import { webhookRecord } from './testing/fakes.js';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const retry = resolveRetryOptions({ maxAttempts: 5, baseMs: 1_000, capMs: 8_000 });
const iso = (ms: number) => new Date(ms).toISOString();

/** A message claimed for its `attempts`-th attempt (the claim counted it). */
function claimed(attempts: number): MessageRecord {
  return webhookRecord(T0 - 60_000, { status: 'sending', attempts, dueAt: null });
}

const failed = (error: ProviderError, failovers: Failover[] = []): AttemptResult => ({
  kind: 'failed',
  provider: 'primary',
  error,
  startedAt: T0 - 40,
  endedAt: T0,
  failovers,
});

describe('planOutcome', () => {
  it('records a delivery after fail-over with one history entry per provider skipped', () => {
    const result: AttemptResult = {
      kind: 'delivered',
      provider: 'secondary',
      providerMessageId: 'v-1',
      startedAt: T0 - 30,
      endedAt: T0,
      failovers: [{ provider: 'primary', until: T0 + 20_000 }],
    };
    expect(planOutcome(result, claimed(1), retry, () => 0.5, T0)).toEqual({
      transition: {
        id: 'm1',
        from: ['sending'],
        now: T0,
        changes: { status: 'delivered', deliveredAt: T0, lastProvider: 'secondary', providerMessageId: 'v-1' },
        events: [
          { event: 'failover', status: 'sending', at: T0 - 30, detail: { from: 'primary', to: 'secondary', reason: 'circuit_open', until: iso(T0 + 20_000) } },
        ],
      },
    });
  });

  it('makes a message whose every provider is open wait until the earliest may be probed, giving back the attempt', () => {
    const result: AttemptResult = {
      kind: 'all_open',
      until: T0 + 5_000,
      failovers: [
        { provider: 'primary', until: T0 + 9_000 },
        { provider: 'secondary', until: T0 + 5_000 },
      ],
    };
    const plan = planOutcome(result, claimed(3), retry, () => 0.5, T0);
    expect(plan?.deadLetter).toBeUndefined();
    expect(plan?.transition.changes).toEqual({ status: 'retrying', attempts: 2, dueAt: T0 + 5_000 });
    expect(plan?.transition.events).toEqual([
      {
        event: 'deferred',
        status: 'retrying',
        at: T0,
        detail: { reason: 'every provider of the channel has an open circuit', until: iso(T0 + 5_000), providers: ['primary', 'secondary'] },
      },
    ]);
    // A time already past waits for nothing: due now.
    expect(planOutcome({ ...result, until: T0 - 10 }, claimed(3), retry, () => 0.5, T0)?.transition.changes.dueAt).toBe(T0);
  });

  it('retries a retryable failure after a full-jitter backoff within its bounds, with the next attempt time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: retry.maxAttempts - 1 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const plan = planOutcome(failed(new RetryableProviderError('HTTP 503', { status: 503 })), claimed(attempt), retry, () => r, T0);
        const dueAt = plan?.transition.changes.dueAt ?? Number.NaN;
        const ceiling = Math.min(retry.capMs, retry.baseMs * 2 ** (attempt - 1));
        expect(dueAt).toBeGreaterThanOrEqual(T0);
        expect(dueAt).toBeLessThanOrEqual(T0 + ceiling);
        expect(plan?.deadLetter).toBeUndefined();
        expect(plan?.transition.changes).toMatchObject({ status: 'retrying', lastProvider: 'primary', lastError: { kind: 'retryable', vendorStatus: 503 } });
        expect(plan?.transition.events.at(-1)).toMatchObject({
          event: 'retrying',
          detail: { attempt, provider: 'primary', durationMs: 40, nextAttemptAt: iso(dueAt) },
        });
      }),
    );
    // Seeded: half of the third attempt's 4 s ceiling.
    expect(planOutcome(failed(new RetryableProviderError('503')), claimed(3), retry, () => 0.5, T0)?.transition.changes.dueAt).toBe(T0 + 2_000);
  });

  it('honours a Retry-After longer than the backoff, and keeps the backoff when it is shorter', () => {
    const limited = (ms: number) => failed(new RateLimitedProviderError('HTTP 429', { status: 429 }, ms));
    expect(planOutcome(limited(30_000), claimed(1), retry, () => 0.5, T0)?.transition.changes).toMatchObject({ status: 'retrying', dueAt: T0 + 30_000 });
    expect(planOutcome(limited(10), claimed(1), retry, () => 0.5, T0)?.transition.changes.dueAt).toBe(T0 + 500);
  });

  it('fails and dead-letters a message after its last attempt', () => {
    const plan = planOutcome(failed(new RetryableProviderError('HTTP 503', { status: 503 })), claimed(retry.maxAttempts), retry, () => 0.5, T0);
    expect(plan?.deadLetter).toBe('gave up after 5 attempts: HTTP 503');
    expect(plan?.transition.changes).toEqual({
      status: 'failed',
      deadLetteredAt: T0,
      lastError: { kind: 'retryable', message: 'HTTP 503', provider: 'primary', vendorStatus: 503 },
      lastProvider: 'primary',
      dueAt: null,
    });
    expect(plan?.transition.events.at(-1)).toMatchObject({ event: 'failed', status: 'failed', detail: { attempt: 5, reason: 'exhausted' } });
  });

  it('fails and dead-letters a message at once on a permanent error, whatever attempts are left', () => {
    const plan = planOutcome(failed(new PermanentProviderError('HTTP 400', { status: 400, message: 'bad payload' })), claimed(1), retry, () => 0.5, T0);
    expect(plan?.deadLetter).toBe('permanent error: HTTP 400');
    expect(plan?.transition.changes).toMatchObject({ status: 'failed', lastError: { kind: 'permanent', vendorStatus: 400, vendorMessage: 'bad payload' } });
    expect(plan?.transition.events.at(-1)).toMatchObject({ event: 'failed', detail: { attempt: 1, reason: 'permanent' } });
  });

  it('hands back an interrupted attempt untouched, and dead-letters a message nothing can send', () => {
    expect(planOutcome({ kind: 'interrupted' }, claimed(1), retry, () => 0.5, T0)).toBeUndefined();
    const plan = planOutcome({ kind: 'no_provider', reason: 'no configured provider can send this webhook message' }, claimed(1), retry, () => 0.5, T0);
    expect(plan).toMatchObject({ deadLetter: 'no configured provider can send this webhook message', transition: { changes: { status: 'dead', attempts: 0 } } });
  });
});
