import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../core/clock.js';
import { createIdGenerator } from '../core/ids.js';
import { silentLogger } from '../core/logger.js';
import type { MessageRecord, NewMessage } from '../message/types.js';
import type { PublisherLike } from '../producer/publisher.js';
import { openSqliteStore } from '../store/sqlite/open-sqlite.js';
import type { MessageStore } from '../store/store.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const newId = createIdGenerator();

/** Records what would have gone to the broker, and when. */
class RecordingPublisher implements PublisherLike {
  readonly published: { id: string; at: number }[] = [];
  async publish(record: MessageRecord): Promise<boolean> {
    this.published.push({ id: record.id, at: Date.now() });
    return true;
  }
  async flush(): Promise<void> {}
}

/**
 * Advances fake time, then lets real event-loop turns run: the store's batched writes start on
 * setImmediate, which stays real so that the database driver works undisturbed.
 */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  for (let i = 0; i < 10; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await vi.advanceTimersByTimeAsync(0);
  }
}

const options: SchedulerOptions = { pollIntervalMs: 1_000, lookAheadMs: 2_000, leaseMs: 30_000, chunkSize: 500, relayAfterMs: 10_000 };

describe('Scheduler (fake time, real SQLite)', () => {
  let store: MessageStore;
  let publisher: RecordingPublisher;
  const schedulers: Scheduler[] = [];

  const message = (at: number): NewMessage => ({
    channel: 'chat',
    to: '#ops',
    content: { text: 'x' },
    delivery: { mode: 'scheduled', at: new Date(at).toISOString() },
  });
  const schedule = async (dueAt: number) => {
    const id = newId();
    await store.insertMessages([{ id, message: message(dueAt), status: 'scheduled', dueAt, scheduledAt: dueAt, now: Date.now() }]);
    return id;
  };
  const scheduler = (owner: string, overrides: Partial<SchedulerOptions> = {}) => {
    const created = new Scheduler({ ...options, ...overrides, store, publisher, clock: systemClock, logger: silentLogger, owner });
    schedulers.push(created);
    return created;
  };

  beforeEach(async () => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    store = openSqliteStore(':memory:', newId);
    await store.migrate();
    publisher = new RecordingPublisher();
  });

  afterEach(async () => {
    for (const s of schedulers.splice(0)) await s.stop();
    await store.close();
    vi.useRealTimers();
  });

  it('claims a message within the look-ahead early and publishes it at its exact time, not before', async () => {
    const id = await schedule(T0 + 1_500);
    scheduler('a').start();
    await advance(10);
    expect(schedulers[0]?.heldCount).toBe(1);
    await advance(1_489);
    expect(publisher.published).toEqual([]);
    await advance(1);
    expect(publisher.published).toEqual([{ id, at: T0 + 1_500 }]);
    expect(await store.getMessage(id)).toMatchObject({ status: 'queued' });
  });

  it('leaves messages beyond the look-ahead alone until their window comes', async () => {
    const id = await schedule(T0 + 10_000);
    scheduler('a').start();
    await advance(7_000);
    expect(schedulers[0]?.heldCount).toBe(0);
    expect((await store.getMessage(id)) as unknown).toMatchObject({ status: 'scheduled' });
    await advance(3_000);
    expect(publisher.published).toEqual([{ id, at: T0 + 10_000 }]);
  });

  it('wakes before its next poll when a sooner message is scheduled', async () => {
    scheduler('a', { pollIntervalMs: 60_000 }).start();
    await advance(100);
    const id = await schedule(Date.now() + 300);
    await advance(400);
    expect(publisher.published).toEqual([{ id, at: T0 + 400 }]);
  });

  it('publishes nothing a cancel or reschedule took back while it was held', async () => {
    const cancelled = await schedule(T0 + 1_000);
    const moved = await schedule(T0 + 1_000);
    scheduler('a').start();
    await advance(10);
    expect(schedulers[0]?.heldCount).toBe(2);
    await store.cancel(cancelled, Date.now());
    await store.reschedule(moved, T0 + 5_000, Date.now());
    await advance(6_000);
    expect(publisher.published).toEqual([{ id: moved, at: T0 + 5_000 }]);
  });

  it('drains a backlog larger than a chunk in one go', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 1_200; i++) ids.add(await schedule(T0 - 2_000 + i));
    scheduler('a', { chunkSize: 500 }).start();
    await advance(50);
    expect(new Set(publisher.published.map((p) => p.id))).toEqual(ids);
    expect(publisher.published).toHaveLength(1_200);
  });

  it("takes over a dead scheduler's messages once its lease expires", async () => {
    const id = await schedule(T0 + 1_000);
    const dead = scheduler('dead', { leaseMs: 5_000 });
    dead.start();
    await advance(10);
    expect(dead.heldCount).toBe(1);
    // The process dies: its timers never fire, it releases nothing.
    schedulers.splice(schedulers.indexOf(dead), 1);
    vi.clearAllTimers();
    scheduler('heir', { leaseMs: 5_000 }).start();
    await advance(4_000);
    expect(publisher.published).toEqual([]);
    await advance(1_500);
    expect(publisher.published.map((p) => p.id)).toEqual([id]);
    expect(publisher.published[0]!.at).toBeGreaterThanOrEqual(T0 + 5_000);
    expect(publisher.published[0]!.at).toBeLessThanOrEqual(T0 + 6_100);
  });

  it('gives its held messages back when stopped, so another takes them at once', async () => {
    const id = await schedule(T0 + 1_000);
    const first = scheduler('first');
    first.start();
    await advance(10);
    await first.stop();
    scheduler('second').start();
    await advance(1_000);
    expect(publisher.published).toEqual([{ id, at: T0 + 1_000 }]);
  });

  it('relays an immediate message whose publish was never confirmed', async () => {
    const id = newId();
    await store.insertMessages([
      { id, message: { ...message(T0), delivery: { mode: 'immediate' } }, status: 'queued', dueAt: T0 + 10_000, scheduledAt: null, now: T0 },
    ]);
    scheduler('a').start();
    await advance(9_000);
    expect(publisher.published).toEqual([]);
    await advance(1_100);
    expect(publisher.published.map((p) => p.id)).toEqual([id]);
    expect((await store.getHistory(id)).map((h) => h.event)).toEqual(['accepted', 'relayed']);
  });

  it('publishes once a held message it claimed again after its lease ran out', async () => {
    // A look-ahead longer than the lease: each poll past the lease takes the held message back.
    const id = await schedule(T0 + 3_000);
    scheduler('a', { pollIntervalMs: 200, lookAheadMs: 5_000, leaseMs: 500 }).start();
    await advance(2_900);
    expect(schedulers[0]?.heldCount).toBe(1);
    await advance(1_000);
    expect(publisher.published).toEqual([{ id, at: T0 + 3_000 }]);
  });

  it('does not relay a message whose publish confirm was recorded while it was held', async () => {
    const id = newId();
    // Its relay deadline falls within the look-ahead, so the scheduler claims and holds it early.
    await store.insertMessages([
      { id, message: { ...message(T0), delivery: { mode: 'immediate' } }, status: 'queued', dueAt: T0 + 1_000, scheduledAt: null, now: T0 },
    ]);
    scheduler('a').start();
    await advance(10);
    expect(schedulers[0]?.heldCount).toBe(1);
    await store.markPublished([id], T0 + 300);
    await advance(2_000);
    expect(publisher.published).toEqual([]);
    expect((await store.getHistory(id)).map((h) => h.event)).toEqual(['accepted']);
  });

  it('moves no row its held group does not hold, though leased by it at the same due time', async () => {
    const held = await schedule(T0 + 1_000);
    scheduler('a').start();
    await advance(10);
    expect(schedulers[0]?.heldCount).toBe(1);
    // What a poll of this scheduler leases at that due time after the group was formed (here
    // by hand, so that the scheduler does not hold it): the group's write must leave it alone.
    const stray = await schedule(T0 + 1_000);
    await store.claimDue('a', T0 + 3_000, Date.now(), 30_000, 10);
    await advance(1_000);
    expect(publisher.published).toEqual([{ id: held, at: T0 + 1_000 }]);
    expect(await store.getMessage(stray)).toMatchObject({ status: 'scheduled' });
  });
});
