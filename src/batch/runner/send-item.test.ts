import { describe, expect, it } from 'vitest';
import type { Clock } from '../../core/clock.js';
import { PermanentProviderError, RetryableProviderError } from '../../providers/errors.js';
import type { ProviderInstance } from '../../providers/instances.js';
import type { OutgoingMessage, ProviderFactory } from '../../providers/provider.js';
import { LocalBreakerBoard } from '../../resilience/breaker/board.js';
import { resolveRetryOptions } from '../../resilience/retry-decision.js';
import type { ClaimedItem } from '../types.js';
import { itemOutcome, type ItemRun, type ItemSenderDeps, outgoingItem, sendItem } from './send-item.js';
import { Slots } from './slots.js';

const batch = { id: 'B1', channel: 'chat' as const, startAt: null };
const item: ClaimedItem = { item: 7, to: '#ops', message: { content: { text: 'hi' } }, takenOver: false };

/** A provider whose calls fail with the errors given, in order, then succeed. */
function fakeProvider(errors: Error[] = []): { instance: ProviderInstance; calls: OutgoingMessage[] } {
  const calls: OutgoingMessage[] = [];
  const provider = {
    name: 'vendor',
    type: 'fake',
    channels: ['chat'] as const,
    async send(message: OutgoingMessage) {
      calls.push(message);
      const error = errors.shift();
      if (error) throw error;
      return { providerMessageId: `id-${message.attempt}` };
    },
  };
  const instance: ProviderInstance = {
    name: 'vendor',
    type: 'fake',
    provider,
    factory: {} as ProviderFactory,
    channels: ['chat'],
    redactedOptions: {},
    secrets: [],
  };
  return { instance, calls };
}

function setUp(errors: Error[] = [], waits: number[] = [], sleep?: ItemSenderDeps['sleep'], minimumCalls = 2) {
  const clock: Clock = { now: () => 1_000 };
  const breakers = new LocalBreakerBoard({ windowSize: 4, minimumCalls, failureThreshold: 0.5, breakMs: 10_000 }, clock);
  const { instance, calls } = fakeProvider(errors);
  const deps: ItemSenderDeps = {
    provider: instance,
    breakers,
    clock,
    random: () => 0.5,
    retry: resolveRetryOptions({ maxAttempts: 3, baseMs: 100, capMs: 1_000 }),
    attemptTimeoutMs: 1_000,
    sleep: sleep ?? (async (ms) => void waits.push(ms)),
  };
  const slots = new Slots(1);
  slots.tryTake();
  const refused: number[] = [];
  const drain = new AbortController();
  const run: ItemRun = { slots, drain: drain.signal, shutdown: new AbortController().signal, onCircuitRefused: (until) => refused.push(until) };
  return { deps, run, calls, breakers, slots, refused, drain };
}

describe('sendItem', () => {
  it('sends with the key <batchId>:<item>, retrying a transient failure with backoff', async () => {
    const waits: number[] = [];
    const { deps, run, calls, slots } = setUp([new RetryableProviderError('503')], waits);
    const result = await sendItem(batch, item, deps, run);
    expect(result).toEqual({ kind: 'sent', attempts: 2, providerMessageId: 'id-2' });
    expect(calls.map((call) => [call.idempotencyKey, call.attempt, call.batch])).toEqual([
      ['B1:7', 1, { id: 'B1', item: 7 }],
      ['B1:7', 2, { id: 'B1', item: 7 }],
    ]);
    expect(waits).toEqual([50]); // full jitter: random 0.5 of the 100 ms ceiling
    expect(slots.busy).toBe(0);
  });

  it('reports each attempt that will be retried, by kind, and not the last one', async () => {
    const { deps, run } = setUp([new RetryableProviderError('503'), new RetryableProviderError('503'), new RetryableProviderError('503')], [], undefined, 10);
    const retried: string[] = [];
    deps.metrics = { batchItemRetried: (channel, provider, kind) => void retried.push(`${channel} ${provider} ${kind}`) };
    expect((await sendItem(batch, item, deps, run)).kind).toBe('failed');
    expect(retried).toEqual(['chat vendor retryable', 'chat vendor retryable']);
  });

  it('records a permanent failure at once, and gives up after the last attempt', async () => {
    const permanent = setUp([new PermanentProviderError('no such user', { status: 400 })]);
    expect(await sendItem(batch, item, permanent.deps, permanent.run)).toEqual({
      kind: 'failed',
      attempts: 1,
      error: { kind: 'permanent', message: 'no such user', provider: 'vendor', vendorStatus: 400 },
    });
    // A breaker slow to open, so the item's own retry budget is what runs out.
    const flaky = setUp([1, 2, 3].map((n) => new RetryableProviderError(`down ${n}`)), [], undefined, 10);
    const result = await sendItem(batch, item, flaky.deps, flaky.run);
    expect(result).toMatchObject({ kind: 'failed', attempts: 3, error: { kind: 'retryable', message: 'down 3' } });
    expect(flaky.calls).toHaveLength(3);
  });

  it('waits for a retry without holding a slot', async () => {
    let slotsDuringWait = -1;
    const holder: { slots?: Slots } = {};
    const { deps, run, slots } = setUp([new RetryableProviderError('503')], [], async () => {
      slotsDuringWait = holder.slots?.busy ?? -1;
    });
    holder.slots = slots;
    await sendItem(batch, item, deps, run);
    expect(slotsDuringWait).toBe(0);
  });

  it('releases the item without calling when the circuit refuses, and says until when', async () => {
    const { deps, run, calls, breakers, refused, slots } = setUp();
    for (let i = 0; i < 2; i++) {
      const permit = breakers.acquire('vendor');
      if (permit.permitted) permit.failure(new RetryableProviderError('down'));
    }
    expect(await sendItem(batch, item, deps, run)).toEqual({ kind: 'released' });
    expect(calls).toHaveLength(0);
    expect(refused).toEqual([11_000]);
    expect(slots.busy).toBe(0);
  });

  it('releases an item waiting to retry when the run drains, without another attempt', async () => {
    const holder: { drain?: AbortController } = {};
    const { deps, run, calls } = setUp([new RetryableProviderError('503')], [], (_ms, signal) => {
      holder.drain?.abort(new Error('circuit open'));
      return new Promise((_resolve, reject) => (signal?.aborted ? reject(signal.reason) : signal?.addEventListener('abort', () => reject(signal.reason))));
    });
    const drain = new AbortController();
    holder.drain = drain;
    expect(await sendItem(batch, item, deps, { ...run, drain: drain.signal })).toEqual({ kind: 'released' });
    expect(calls).toHaveLength(1);
  });

  it('lets a call in flight finish when the run drains, and records its success', async () => {
    const { deps, run, drain } = setUp();
    const slow = deps.provider.provider;
    const original = slow.send.bind(slow);
    slow.send = async (message, context) => {
      drain.abort(new Error('paused'));
      return original(message, context);
    };
    expect(await sendItem(batch, item, deps, run)).toEqual({ kind: 'sent', attempts: 1, providerMessageId: 'id-1' });
  });
});

describe('outgoingItem and itemOutcome', () => {
  it('marks a scheduled batch item with its start time', () => {
    const message = outgoingItem({ ...batch, startAt: Date.parse('2030-01-01T00:00:00Z') }, item, 1);
    expect(message).toMatchObject({ id: 'B1:7', to: '#ops', delivery: { mode: 'scheduled', at: '2030-01-01T00:00:00.000Z' } });
  });

  it('turns results into outcomes to record', () => {
    expect(itemOutcome(3, { kind: 'released' }, 5)).toEqual({ item: 3, kind: 'released' });
    expect(itemOutcome(3, { kind: 'sent', attempts: 2, providerMessageId: 'x' }, 5)).toEqual({
      item: 3,
      kind: 'sent',
      attempts: 2,
      providerMessageId: 'x',
      at: 5,
    });
  });
});
