import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Delivery, PublishOptions } from '../broker/broker.js';
import { silentLogger } from '../core/logger.js';
import type { MessageRecord } from '../message/types.js';
import { encodeWire } from '../message/wire.js';
import { PermanentProviderError, RetryableProviderError } from '../providers/errors.js';
import type { ProviderInstance } from '../providers/instances.js';
import { LocalBreakerBoard } from '../resilience/breaker/board.js';
import { resolveRetryOptions } from '../resilience/retry-decision.js';
import type { HistoryEvent, MessageChanges, Transition } from '../store/store.js';
import { fakeInstance as instance, webhookRecord } from './testing/fakes.js';
import { Worker, type WorkerBrokerLike, type WorkerStoreLike } from './worker.js';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');

/** The message rows a worker reads and writes, in memory, with the SQL stores' claim rule. */
class MemoryStore implements WorkerStoreLike {
  readonly parallelWrites = 1;
  readonly rows = new Map<string, MessageRecord>();
  readonly history: HistoryEvent[] = [];

  async claimForDelivery(ids: readonly string[], now: number, redelivered: readonly string[]): Promise<MessageRecord[]> {
    return [...new Set(ids)].flatMap((id) => {
      const row = this.rows.get(id);
      if (!row || !(row.status === 'queued' || (row.status === 'sending' && redelivered.includes(id)))) return [];
      const claimed: MessageRecord = { ...row, status: 'sending', attempts: row.attempts + 1, dueAt: null, updatedAt: now };
      this.rows.set(id, claimed);
      return [claimed];
    });
  }

  async applyTransitions(transitions: readonly Transition[]): Promise<boolean[]> {
    return transitions.map((transition) => {
      const row = this.rows.get(transition.id);
      if (!row || !transition.from.includes(row.status)) return false;
      const changes = Object.fromEntries(Object.entries(transition.changes).filter(([, value]) => value !== undefined)) as MessageChanges;
      this.rows.set(transition.id, { ...row, ...changes, updatedAt: transition.now } as MessageRecord);
      this.history.push(...transition.events);
      return true;
    });
  }

  async getMessage(id: string): Promise<MessageRecord | undefined> {
    return this.rows.get(id);
  }
}

/** The broker calls a worker makes: dead letters are kept, consuming is not used here. */
class MemoryBroker implements WorkerBrokerLike {
  readonly deadLetters: (PublishOptions & { reason: string; body: Buffer })[] = [];
  async consume(): Promise<never> {
    throw new Error('not used: the tests hand deliveries to the worker');
  }
  async publishDeadLetter(body: Buffer, options: PublishOptions & { reason: string }): Promise<void> {
    this.deadLetters.push({ ...options, body });
  }
}


function setUp(answers: Record<string, () => Error | undefined>, breaker = { windowSize: 2, minimumCalls: 1 }) {
  const clock = { time: T0, now: () => clock.time };
  const store = new MemoryStore();
  const broker = new MemoryBroker();
  const calls: string[] = [];
  const candidates = Object.entries(answers).map(([name, answer]) => instance(name, calls, answer));
  const breakers = new LocalBreakerBoard({ ...breaker, breakMs: 10_000 }, clock);
  const worker = new Worker({
    store,
    broker,
    providers: { candidates: () => candidates },
    breakers,
    clock,
    random: () => 0.5,
    logger: silentLogger,
    retry: resolveRetryOptions({ maxAttempts: 3, baseMs: 1_000, capMs: 60_000 }),
    attemptTimeoutMs: 1_000,
    prefetch: 1,
  });
  const queue = (attempts = 0): Delivery => {
    const record = webhookRecord(T0, { status: 'queued', attempts, dueAt: T0 + 10_000 });
    store.rows.set(record.id, record);
    return { body: encodeWire(record), messageId: record.id, redelivered: false, headers: {} };
  };
  const open = (name: string) => {
    const permit = breakers.acquire(name);
    if (permit.permitted) permit.failure(new RetryableProviderError('503'));
  };
  return { clock, store, broker, calls, candidates, worker, queue, open };
}

describe('Worker.handle', () => {
  it('fails a permanent error at once and copies the message to the dead-letter queue with its attempts and last error', async () => {
    const { store, broker, calls, worker, queue } = setUp({ primary: () => new PermanentProviderError('HTTP 400', { status: 400 }) });
    expect(await worker.handle(queue())).toEqual({ action: 'ack' });
    expect(calls).toEqual(['primary']);
    expect(store.rows.get('m1')).toMatchObject({ status: 'failed', attempts: 1, deadLetteredAt: T0, lastError: { kind: 'permanent', vendorStatus: 400 } });
    expect(broker.deadLetters).toEqual([
      expect.objectContaining({ messageId: 'm1', reason: 'permanent error: HTTP 400', headers: { 'x-missive-attempts': 1, 'x-missive-last-error': 'HTTP 400' } }),
    ]);
  });

  it('dead-letters a message whose last attempt failed, and only then', async () => {
    // A breaker slow to open, so that the message's own attempts are what run out.
    const { store, broker, worker, queue } = setUp({ primary: () => new RetryableProviderError('HTTP 503', { status: 503 }) }, { windowSize: 10, minimumCalls: 10 });
    await worker.handle(queue(1));
    expect(store.rows.get('m1')).toMatchObject({ status: 'retrying', attempts: 2 });
    expect(broker.deadLetters).toEqual([]);
    await worker.handle(queue(2));
    expect(store.rows.get('m1')).toMatchObject({ status: 'failed', attempts: 3 });
    expect(broker.deadLetters.map((letter) => [letter.reason, letter.headers?.['x-missive-attempts']])).toEqual([['gave up after 3 attempts: HTTP 503', 3]]);
  });

  it('retries a retryable failure after its backoff, not blocking: the message waits in the store', async () => {
    const { store, worker, queue } = setUp({ primary: () => new RetryableProviderError('HTTP 503', { status: 503 }) });
    expect(await worker.handle(queue())).toEqual({ action: 'ack' });
    // First failure: full jitter over 1 s, seeded at half.
    expect(store.rows.get('m1')).toMatchObject({ status: 'retrying', attempts: 1, dueAt: T0 + 500, lastProvider: 'primary' });
    expect(store.history.map((entry) => entry.event)).toEqual(['retrying']);
  });

  it('fails over from an open primary to the secondary, saying so in the history', async () => {
    const { store, calls, worker, queue, open } = setUp({ primary: () => undefined, secondary: () => undefined });
    open('primary');
    await worker.handle(queue());
    expect(calls).toEqual(['secondary']);
    expect(store.rows.get('m1')).toMatchObject({ status: 'delivered', lastProvider: 'secondary', attempts: 1 });
    expect(store.history).toEqual([
      { event: 'failover', status: 'sending', at: T0, detail: { from: 'primary', to: 'secondary', reason: 'circuit_open', until: new Date(T0 + 10_000).toISOString() } },
    ]);
  });

  it('parks a message whose every provider is open until the first may be probed, without counting an attempt', async () => {
    const { clock, store, broker, calls, worker, queue, open } = setUp({ primary: () => undefined, secondary: () => undefined });
    open('primary');
    clock.time += 3_000;
    open('secondary');
    clock.time += 1_000;
    expect(await worker.handle(queue(2))).toEqual({ action: 'ack' });
    expect(calls).toEqual([]);
    expect(store.rows.get('m1')).toMatchObject({ status: 'retrying', attempts: 2, dueAt: T0 + 10_000 });
    expect(store.history.map((entry) => entry.event)).toEqual(['deferred']);
    expect(broker.deadLetters).toEqual([]);
  });
});

describe('Worker.handle, two copies of one message', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Moves the faked timers on by `ms`, letting the real immediates (the batchers' flushes) run. */
  async function advance(ms: number, step = 50): Promise<void> {
    for (let elapsed = 0; elapsed <= ms; elapsed += step) {
      await new Promise((resolve) => setImmediate(resolve));
      await vi.advanceTimersByTimeAsync(step);
    }
  }

  /** A worker whose provider holds every call until `release`. */
  function setUpHeld() {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const setup = setUp({ primary: () => undefined });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const [primary] = setup.candidates as [ProviderInstance];
    primary.provider.send = async () => {
      setup.calls.push('primary');
      await gate;
      return { providerMessageId: 'primary-1' };
    };
    return { ...setup, release };
  }

  it('sends once when a second copy (a relay\'s) arrives while the first is being sent: the copy goes back to the queue, then is skipped', async () => {
    const { store, calls, worker, queue, release } = setUpHeld();
    const copy = queue();
    const first = worker.handle(copy);
    await advance(0);
    const second = worker.handle({ ...copy });
    await advance(0);
    expect(calls).toEqual(['primary']);
    release();
    await advance(1_000);
    expect(await first).toEqual({ action: 'ack' });
    expect(await second).toEqual({ action: 'requeue' });
    // Handed out again, the copy finds the message delivered.
    expect(await worker.handle({ ...copy, redelivered: true })).toEqual({ action: 'ack' });
    expect(calls).toEqual(['primary']);
    expect(store.rows.get('m1')).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('claims a message left sending (its worker died) with the copy the broker hands out again, and never drops a first copy of it', async () => {
    const { store, calls, worker, queue, release } = setUpHeld();
    release();
    const copy = queue(1);
    store.rows.set('m1', { ...(store.rows.get('m1') as MessageRecord), status: 'sending' });
    // A first copy (say a claim retried after its commit went unheard) waits and goes back.
    const fresh = worker.handle(copy);
    await advance(1_000);
    expect(await fresh).toEqual({ action: 'requeue' });
    expect(calls).toEqual([]);
    expect(await worker.handle({ ...copy, redelivered: true })).toEqual({ action: 'ack' });
    expect(calls).toEqual(['primary']);
    expect(store.rows.get('m1')).toMatchObject({ status: 'delivered', attempts: 2 });
  });
});
