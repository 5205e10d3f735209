import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import type { ProviderInstance } from '../../providers/instances.js';
import type { OutgoingMessage, ProviderFactory } from '../../providers/provider.js';
import type { BreakerBoard } from '../../resilience/breaker/board.js';
import { LocalBreakerBoard } from '../../resilience/breaker/board.js';
import { BrokenCircuitError } from '../../resilience/breaker/errors.js';
import { resolveRetryOptions } from '../../resilience/retry-decision.js';
import type { BatchStore, ItemOutcome } from '../store.js';
import type { BatchRecord, ClaimedItem } from '../types.js';
import type { RunnerDeps } from './deps.js';
import { probeBatch } from './probe.js';

const batch = { id: 'B1', channel: 'chat', provider: 'vendor', startAt: null } as unknown as BatchRecord;

/** The two store calls a probe makes, over items 1..n all pending. */
function itemStore(n: number) {
  const pending = new Set(Array.from({ length: n }, (_, i) => i + 1));
  const outcomes: ItemOutcome[] = [];
  const store = {
    async claimItems(): Promise<ClaimedItem[]> {
      const [item] = [...pending].sort((x, y) => x - y);
      if (item === undefined) return [];
      pending.delete(item);
      return [{ item, to: '#ops', message: { content: { text: 'hi' } }, takenOver: false }];
    },
    async recordOutcomes(_batchId: string, _owner: string, recorded: readonly ItemOutcome[]) {
      for (const outcome of recorded) {
        outcomes.push(outcome);
        if (outcome.kind === 'released') pending.add(outcome.item);
      }
      return recorded.map(() => true);
    },
  };
  return { store: store as unknown as BatchStore, outcomes };
}

function setUp(breakers: BreakerBoard, clock: { time: number }) {
  const calls: OutgoingMessage[] = [];
  const instance: ProviderInstance = {
    name: 'vendor',
    type: 'fake',
    provider: {
      name: 'vendor',
      type: 'fake',
      channels: ['chat'],
      async send(message) {
        calls.push(message);
        return { providerMessageId: 'm1' };
      },
    },
    factory: {} as ProviderFactory,
    channels: ['chat'],
    redactedOptions: {},
    secrets: [],
  };
  const { store, outcomes } = itemStore(3);
  const waits: number[] = [];
  const deps = {
    store,
    breakers,
    clock: { now: () => clock.time },
    random: () => 0.5,
    logger: silentLogger,
    retry: resolveRetryOptions({ maxAttempts: 3 }),
    attemptTimeoutMs: 1_000,
    owner: 'runner-1',
    leaseMs: 30_000,
    probeBackoffMs: 30_000,
    sleep: async (ms: number) => {
      waits.push(ms);
      clock.time += ms;
    },
  } as unknown as RunnerDeps;
  return { deps, instance, calls, outcomes, waits };
}

/** A board that refuses the first calls for `ms` each (claiming the fleet's probe), then lets them through. */
function claimingBoard(clock: { time: number }, refusals: number, ms: number): BreakerBoard {
  const local = new LocalBreakerBoard({}, { now: () => clock.time });
  let left = refusals;
  return {
    acquire: (provider) => {
      if (left-- > 0) return { permitted: false, until: clock.time + ms, error: new BrokenCircuitError(clock.time + ms, provider) };
      return local.acquire(provider);
    },
    status: (provider) => local.status(provider),
    onEvent: (listener) => local.onEvent(listener),
    ready: async () => undefined,
  };
}

describe('probeBatch', () => {
  it('waits out a refusal of a moment and probes with the same item, without pausing the batch', async () => {
    const clock = { time: 1_000_000 };
    const { deps, instance, calls, outcomes, waits } = setUp(claimingBoard(clock, 2, 500), clock);
    expect(await probeBatch(batch, instance, deps, new AbortController().signal)).toEqual({ kind: 'passed' });
    expect(waits).toEqual([500, 500]);
    expect(calls.map((call) => call.batch?.item)).toEqual([1]);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['released', 'released', 'sent']);
  });

  it('counts the probe item in the metrics once it is recorded, and refusals not at all', async () => {
    const clock = { time: 1_000_000 };
    const { deps, instance } = setUp(claimingBoard(clock, 2, 500), clock);
    const counted: unknown[][] = [];
    const metrics = { batchItem: (...args: unknown[]) => counted.push(args) };
    await probeBatch(batch, instance, { ...deps, metrics } as unknown as RunnerDeps, new AbortController().signal);
    expect(counted).toEqual([['chat', 'vendor', 'sent', 0]]);
  });

  it('gives up on a refusal that lasts, saying until when', async () => {
    const clock = { time: 1_000_000 };
    const { deps, instance, calls, waits } = setUp(claimingBoard(clock, 1, 30_000), clock);
    expect(await probeBatch(batch, instance, deps, new AbortController().signal)).toEqual({ kind: 'refused', until: 1_030_000 });
    expect(waits).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('stops waiting after a few seconds in all', async () => {
    const clock = { time: 1_000_000 };
    const { deps, instance, calls, waits } = setUp(claimingBoard(clock, 100, 2_000), clock);
    const result = await probeBatch(batch, instance, deps, new AbortController().signal);
    expect(result).toEqual({ kind: 'refused', until: 1_006_000 });
    expect(waits).toEqual([2_000, 2_000]);
    expect(calls).toEqual([]);
  });
});
