import { describe, expect, it } from 'vitest';
import { PermanentProviderError, RetryableProviderError } from '../providers/errors.js';
import type { OutgoingMessage } from '../providers/provider.js';
import { LocalBreakerBoard } from '../resilience/breaker/board.js';
import type { ProviderInstance } from '../providers/instances.js';
import { attemptDelivery } from './attempt.js';
import { fakeInstance as instance } from './testing/fakes.js';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const message: OutgoingMessage = {
  id: 'm1',
  channel: 'webhook',
  to: 'https://example.com/hook',
  content: { data: { n: 1 } },
  idempotencyKey: 'm1',
  attempt: 1,
  delivery: { mode: 'immediate' },
};


function setUp() {
  const clock = { time: T0, now: () => clock.time };
  const breakers = new LocalBreakerBoard({ windowSize: 2, minimumCalls: 1, breakMs: 10_000 }, clock);
  const calls: string[] = [];
  /** Opens `name`'s circuit now, for 10 s. */
  const open = (name: string) => {
    const permit = breakers.acquire(name);
    if (permit.permitted) permit.failure(new RetryableProviderError('503'));
  };
  const deps = { breakers, clock, timeoutMs: 1_000 };
  return { clock, breakers, calls, open, deps, live: new AbortController().signal };
}

describe('attemptDelivery', () => {
  it('calls the primary first, and only the primary, when its circuit is closed', async () => {
    const { calls, deps, live } = setUp();
    const result = await attemptDelivery(message, [instance('primary', calls), instance('secondary', calls)], deps, live);
    expect(result).toEqual({ kind: 'delivered', provider: 'primary', providerMessageId: 'primary-1', startedAt: T0, endedAt: T0, failovers: [] });
    expect(calls).toEqual(['primary']);
  });

  it('fails over, in the configured order, past every provider whose circuit is open', async () => {
    const { calls, deps, open, live, clock } = setUp();
    open('first');
    clock.time += 1_000;
    open('second');
    const candidates = [instance('first', calls), instance('second', calls), instance('third', calls)];
    const result = await attemptDelivery(message, candidates, deps, live);
    expect(result).toMatchObject({
      kind: 'delivered',
      provider: 'third',
      failovers: [
        { provider: 'first', until: T0 + 10_000 },
        { provider: 'second', until: T0 + 11_000 },
      ],
    });
    expect(calls).toEqual(['third']);
  });

  it('says when the first circuit may be probed when every provider of the channel is open, calling none', async () => {
    const { calls, deps, open, live, clock } = setUp();
    open('secondary');
    clock.time += 2_000;
    open('primary');
    clock.time += 500;
    const result = await attemptDelivery(message, [instance('primary', calls), instance('secondary', calls)], deps, live);
    expect(result).toEqual({
      kind: 'all_open',
      until: T0 + 10_000,
      failovers: [
        { provider: 'primary', until: T0 + 12_000 },
        { provider: 'secondary', until: T0 + 10_000 },
      ],
    });
    expect(calls).toEqual([]);
  });

  it('makes a failure of the provider called the attempt’s failure, counted by its breaker, without trying the next', async () => {
    const { calls, deps, live, breakers } = setUp();
    const down = instance('primary', calls, () => new RetryableProviderError('HTTP 503', { status: 503 }));
    const result = await attemptDelivery(message, [down, instance('secondary', calls)], deps, live);
    expect(result).toMatchObject({ kind: 'failed', provider: 'primary', error: { kind: 'retryable', vendor: { status: 503 } }, failovers: [] });
    expect(calls).toEqual(['primary']);
    expect(breakers.status('primary').state).toBe('open');
  });

  it('does not count a permanent error against the provider', async () => {
    const { calls, deps, live, breakers } = setUp();
    const picky = instance('primary', calls, () => new PermanentProviderError('HTTP 400', { status: 400 }));
    expect(await attemptDelivery(message, [picky], deps, live)).toMatchObject({ kind: 'failed', error: { kind: 'permanent' } });
    expect(breakers.status('primary').state).toBe('closed');
  });

  it('hands back an attempt that shutdown cut short, recording nothing against the provider', async () => {
    const { deps, breakers } = setUp();
    const shutdown = new AbortController();
    const hung: ProviderInstance = {
      ...instance('primary', []),
      provider: {
        name: 'primary',
        type: 'fake',
        channels: ['webhook'],
        send: () => new Promise(() => shutdown.abort(new Error('worker shutting down'))),
      },
    };
    expect(await attemptDelivery(message, [hung], deps, shutdown.signal)).toEqual({ kind: 'interrupted' });
    expect(breakers.breaker('primary').snapshot().window).toEqual([]);
  });

  it('reports a message no configured provider can send', async () => {
    const { deps, live } = setUp();
    expect(await attemptDelivery(message, [], deps, live)).toEqual({ kind: 'no_provider', reason: 'no configured provider can send this webhook message' });
  });
});
