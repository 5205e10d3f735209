import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Broker, Delivery } from '../broker/broker.js';
import { systemClock } from '../core/clock.js';
import { createIdGenerator } from '../core/ids.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { createBuiltinRegistry } from '../providers/builtins.js';
import { ProviderSet } from '../providers/instances.js';
import { LocalBreakerBoard } from '../resilience/breaker/board.js';
import { DEFAULT_BREAKER_OPTIONS } from '../resilience/breaker/options.js';
import { resolveRetryOptions } from '../resilience/retry-decision.js';
import { openSqliteStore } from '../store/sqlite/open-sqlite.js';
import type { SqlMessageStore } from '../store/sql-message-store.js';
import { Worker } from './worker.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const newId = createIdGenerator();

/** A broker that is never used on the claim path; the worker only needs its shape. */
const idleBroker: Broker = {
  publish: async () => undefined,
  publishDeadLetter: async () => undefined,
  consume: async () => ({ stop: async () => undefined }),
  isConnected: () => true,
  waitForConnection: async () => undefined,
  queueDepth: async () => 0,
  close: async () => undefined,
};

/** What PostgreSQL answers for a NUL in a text parameter: no retry can cure it. */
const refusedError = () => Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });

/** Keeps every line written. */
function recordingLogger(lines: { level: string; message?: string; fields: object }[]): Logger {
  const at = (level: string) => (fields: object, message?: string) => void lines.push({ level, message, fields });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => recordingLogger(lines) };
}

/** Advances fake time, letting the real event-loop turns the store's batches start on run between. */
async function advance(ms: number, step = 50): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += step) {
    await vi.advanceTimersByTimeAsync(step);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('Worker.handle: claiming', () => {
  let store: SqlMessageStore;
  let lines: { level: string; message?: string; fields: object }[];
  let worker: Worker;

  const delivery = (id: string): Delivery => ({
    body: Buffer.from(JSON.stringify({ v: 1, id, channel: 'chat', to: '#ops', content: { text: 'x' }, delivery: { mode: 'immediate' } })),
    messageId: id,
    redelivered: false,
    headers: {},
  });
  const stored = async () => {
    const id = newId();
    await store.insertMessages([
      { id, message: { channel: 'chat', to: '#ops', content: { text: 'x' }, delivery: { mode: 'immediate' } }, status: 'queued', dueAt: T0 + 10_000, scheduledAt: null, now: T0 },
    ]);
    return id;
  };

  beforeEach(async () => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    store = openSqliteStore(':memory:', newId);
    await store.migrate();
    lines = [];
    worker = new Worker({
      store,
      broker: idleBroker,
      providers: await ProviderSet.build(createBuiltinRegistry(), { providers: { log: { type: 'log' } }, channels: {} }, { logger: silentLogger, clock: systemClock }),
      breakers: new LocalBreakerBoard(DEFAULT_BREAKER_OPTIONS, systemClock),
      clock: systemClock,
      random: () => 0.5,
      logger: recordingLogger(lines),
      retry: resolveRetryOptions(),
      attemptTimeoutMs: 5_000,
      prefetch: 10,
    });
  });

  afterEach(async () => {
    await store.close();
    vi.useRealTimers();
  });

  it('dead-letters a message the store refuses for good, with the reason, and delivers those claimed beside it', async () => {
    const claim = store.claimForDelivery.bind(store);
    store.claimForDelivery = async (ids, now, redelivered) => {
      if (ids.includes('refused')) throw refusedError();
      return claim(ids, now, redelivered);
    };
    const [first, second] = [await stored(), await stored()];
    const outcomes = Promise.all([first, 'refused', second].map((id) => worker.handle(delivery(id))));
    await advance(2_000);
    expect(await outcomes).toEqual([
      { action: 'ack' },
      { action: 'dead_letter', reason: 'cannot claim the message: invalid byte sequence for encoding "UTF8": 0x00' },
      { action: 'ack' },
    ]);
    expect((await store.getMessage(first))?.status).toBe('delivered');
    expect((await store.getMessage(second))?.status).toBe('delivered');
    expect(lines.filter((line) => line.level === 'error')).toEqual([
      expect.objectContaining({ message: 'cannot claim the message; dead-lettering it', fields: expect.objectContaining({ messageId: 'refused' }) }),
    ]);
  });

  it('requeues while the store is down, logging the outage a few times rather than once per message per try', async () => {
    let tries = 0;
    store.claimForDelivery = async () => {
      tries++;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    };
    const ids = await Promise.all(Array.from({ length: 20 }, () => stored()));
    let settled = 0;
    const outcomes = Promise.all(ids.map((id) => worker.handle(delivery(id)).finally(() => settled++)));
    await advance(29_000, 250);
    expect(settled).toBe(0);
    await advance(5_000, 250);
    expect(await outcomes).toEqual(ids.map(() => ({ action: 'requeue' })));
    // Every message went through every retry (the claims were batched, not isolated one by one)...
    expect(tries).toBeLessThanOrEqual(9 * 20);
    expect(tries).toBeGreaterThanOrEqual(9);
    // ...yet the log holds a handful of lines for the whole outage, each counting those held back.
    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.length).toBeLessThanOrEqual(8);
    expect(warnings.some((line) => line.message === 'cannot claim the message: the store is failing; deliveries go back to the queue')).toBe(true);
    expect(warnings.some((line) => (line.fields as { suppressed?: number }).suppressed !== undefined)).toBe(true);
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('never dead-letters for a failure of the store itself (a timeout, a broken schema): the message goes back to the queue', async () => {
    const failures = [
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      Object.assign(new Error('relation "messages" does not exist'), { code: '42P01' }),
      new Error('The database connection is not open'),
    ];
    for (const failure of failures) {
      store.claimForDelivery = async () => {
        throw failure;
      };
      const id = await stored();
      const outcome = worker.handle(delivery(id));
      await advance(40_000, 500);
      expect(await outcome).toEqual({ action: 'requeue' });
    }
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('marks a message dead, listed and replayable, when the store refuses its outcome for good', async () => {
    const apply = store.applyTransitions.bind(store);
    let refusals = 0;
    store.applyTransitions = async (transitions) => {
      if (transitions.some((t) => t.changes.status === 'delivered')) {
        refusals++;
        throw Object.assign(new Error('value out of range'), { code: '22003' });
      }
      return apply(transitions);
    };
    const id = await stored();
    const outcome = worker.handle(delivery(id));
    await advance(2_000);
    expect(await outcome).toEqual({ action: 'dead_letter', reason: 'cannot record the delivery outcome: value out of range' });
    expect(refusals).toBe(1);
    expect(await store.getMessage(id)).toMatchObject({ status: 'dead', lastError: { kind: 'store_refused', message: 'cannot record the delivery outcome: value out of range' } });
    expect((await store.listMessages({ deadLettered: true, limit: 10 })).map((m) => m.id)).toEqual([id]);
  });
});
