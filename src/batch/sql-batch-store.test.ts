import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdGenerator } from '../core/ids.js';
import { openSqliteStore } from '../store/sqlite/open-sqlite.js';
import type { SqlMessageStore } from '../store/sql-message-store.js';
import { SqlBatchStore } from './sql-batch-store.js';
import type { NewItem } from './store.js';

// The claim and outcome logic against SQLite in memory, with every time given explicitly. The
// same statements run on PostgreSQL in test/batch.
const T = 1_700_000_000_000;
const LEASE = 30_000;

let messages: SqlMessageStore;
let store: SqlBatchStore;

beforeEach(async () => {
  messages = openSqliteStore(':memory:', createIdGenerator());
  await messages.migrate();
  store = new SqlBatchStore(messages.context);
});

afterEach(async () => {
  await messages.close();
});

function items(count: number): NewItem[] {
  return Array.from({ length: count }, (_, i) => ({ item: i + 1, line: i + 2, to: `#r${i + 1}`, message: { content: { text: `m${i + 1}` } } }));
}

async function runningBatch(id = 'B', count = 10): Promise<void> {
  await store.insertBatch({ id, channel: 'chat', provider: 'p', template: { channel: 'chat', content: { text: 'x' } }, concurrency: 4, autoResume: true, startAt: null, now: T });
  await store.insertItems(id, items(count), T);
  await store.finishCreating(id, { total: count, skipped: 0 }, T);
  expect(await store.startIfDue(id, T)).toBe(true);
}

const claim = (owner: string, now: number, limit: number, onlyWhileRunning = true) =>
  store.claimItems('B', { owner, now, leaseMs: LEASE, limit, onlyWhileRunning });

describe('claiming items', () => {
  it('leases items in order, a chunk at a time, never the same item to two owners', async () => {
    await runningBatch();
    const first = await claim('a', T, 4);
    const second = await claim('b', T, 4);
    expect(first.map((i) => i.item)).toEqual([1, 2, 3, 4]);
    expect(second.map((i) => i.item)).toEqual([5, 6, 7, 8]);
    expect(first[0]).toEqual({ item: 1, to: '#r1', message: { content: { text: 'm1' } }, takenOver: false });
    expect((await claim('c', T, 10)).map((i) => i.item)).toEqual([9, 10]);
    expect(await claim('c', T, 10)).toEqual([]);
  });

  it('takes over items whose lease expired first, flagged, then pending ones', async () => {
    await runningBatch();
    await claim('dead', T, 3);
    expect(await claim('heir', T + LEASE - 1, 2)).toMatchObject([{ item: 4 }, { item: 5 }]);
    const after = await claim('heir', T + LEASE, 4);
    expect(after.map((i) => [i.item, i.takenOver])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [6, false],
    ]);
  });

  it('starts after a cursor, and looks for expired leases only when asked', async () => {
    await runningBatch();
    await claim('dead', T, 2);
    const next = await store.claimItems('B', { owner: 'a', now: T + LEASE, leaseMs: LEASE, limit: 2, takeOver: false, after: 5 });
    expect(next.map((i) => i.item)).toEqual([6, 7]);
    const withTakeOver = await store.claimItems('B', { owner: 'a', now: T + LEASE, leaseMs: LEASE, limit: 3, after: 7 });
    expect(withTakeOver.map((i) => [i.item, i.takenOver])).toEqual([
      [1, true],
      [2, true],
      [8, false],
    ]);
  });

  it('renewed leases are not taken over', async () => {
    await runningBatch();
    await claim('a', T, 2);
    await store.renewLeases('B', 'a', T + 2 * LEASE);
    expect((await claim('b', T + LEASE, 2)).map((i) => i.item)).toEqual([3, 4]);
  });

  it('claims nothing unless the batch runs, except for a probe', async () => {
    await runningBatch();
    await store.transition('B', { status: 'running', reason: null }, { status: 'paused', reason: 'circuit_open', resumeAt: T }, T);
    expect(await claim('a', T, 2)).toEqual([]);
    expect((await claim('a', T, 1, false)).map((i) => i.item)).toEqual([1]);
  });
});

describe('recording outcomes', () => {
  it('records sent and failed items with the counters and progress, once each', async () => {
    await runningBatch();
    await claim('a', T, 3);
    const error = { kind: 'permanent', message: 'bad recipient' };
    const applied = await store.recordOutcomes(
      'B',
      'a',
      [
        { item: 1, kind: 'sent', attempts: 1, providerMessageId: 'p1', at: T + 5 },
        { item: 2, kind: 'failed', attempts: 2, error, at: T + 5 },
        { item: 3, kind: 'released' },
      ],
      T + 10,
    );
    expect(applied).toEqual([true, true, true]);
    expect(await store.recordOutcomes('B', 'a', [{ item: 1, kind: 'sent', attempts: 1, providerMessageId: 'p1', at: T }], T)).toEqual([false]);
    const batch = await store.getBatch('B');
    expect([batch?.sent, batch?.failed]).toEqual([1, 1]);
    const listed = await store.listItems('B', { limit: 3 });
    expect(listed.map((i) => [i.item, i.status, i.attempts])).toEqual([
      [1, 'sent', 1],
      [2, 'failed', 2],
      [3, 'pending', 0],
    ]);
    expect(listed[1]?.lastError).toEqual(error);
    const read = await store.readBatch('B', () => T - 2_000);
    expect(read?.progress).toEqual({ sending: 0, buckets: [{ start: T, done: 2 }] });
    expect(read?.batch).toMatchObject({ sent: 1, failed: 1 });
  });

  it("records a send whoever holds the item now, but a failure or release only by its holder", async () => {
    await runningBatch();
    await claim('slow', T, 2);
    await claim('heir', T + LEASE, 2); // takes over items 1 and 2
    const applied = await store.recordOutcomes(
      'B',
      'slow',
      [
        { item: 1, kind: 'sent', attempts: 1, providerMessageId: 'p', at: T },
        { item: 2, kind: 'failed', attempts: 1, error: { kind: 'retryable', message: 'x' }, at: T },
      ],
      T,
    );
    expect(applied).toEqual([true, false]);
    expect(await store.recordOutcomes('B', 'slow', [{ item: 2, kind: 'released' }], T)).toEqual([false]);
    expect((await store.readBatch('B', () => 0))?.progress.sending).toBe(1);
  });
});

describe('batch state', () => {
  it('completes only when no item is pending or sending', async () => {
    await runningBatch('B', 2);
    await claim('a', T, 2);
    await store.recordOutcomes('B', 'a', [{ item: 1, kind: 'sent', attempts: 1, providerMessageId: 'p', at: T }], T);
    expect(await store.completeIfDone('B', T)).toBe(false);
    await store.recordOutcomes('B', 'a', [{ item: 2, kind: 'failed', attempts: 1, error: { kind: 'permanent', message: 'x' }, at: T }], T);
    expect(await store.completeIfDone('B', T + 1)).toBe(true);
    expect(await store.getBatch('B')).toMatchObject({ status: 'completed', finishedAt: T + 1 });
  });

  it('changes status only from the exact state read', async () => {
    await runningBatch();
    const paused = await store.transition('B', { status: 'running', reason: null }, { status: 'paused', reason: 'manual' }, T + 1);
    expect(paused).toMatchObject({ status: 'paused', reason: 'manual' });
    expect(await store.transition('B', { status: 'paused', reason: 'circuit_open' }, { status: 'running', reason: null }, T + 2)).toBeUndefined();
    const resumed = await store.transition('B', { status: 'paused', reason: 'manual' }, { status: 'running', reason: null }, T + 3);
    expect(resumed).toMatchObject({ status: 'running', startedAt: T, runningSince: T + 3 });
  });

  it('gives the probe of a circuit pause to one caller, and makes it due when the circuit closes', async () => {
    await runningBatch();
    await store.transition('B', { status: 'running', reason: null }, { status: 'paused', reason: 'circuit_open', resumeAt: T + 100 }, T);
    expect(await store.takeProbe('B', T + 99, T + 1_000)).toBe(false);
    expect((await store.findRunnable(T + 99, 10)).map((b) => b.id)).toEqual([]);
    expect((await store.findRunnable(T + 100, 10)).map((b) => b.id)).toEqual(['B']);
    expect(await store.takeProbe('B', T + 100, T + 1_000)).toBe(true);
    expect(await store.takeProbe('B', T + 100, T + 1_000)).toBe(false);
    await store.probeNow('p', T + 200);
    expect((await store.getBatch('B'))?.resumeAt).toBe(T + 200);
  });

  it('finds pending batches once due, and deletes abandoned creations', async () => {
    await store.insertBatch({ id: 'later', channel: 'chat', provider: 'p', template: { channel: 'chat', content: { text: 'x' } }, concurrency: 1, autoResume: true, startAt: T + 1_000, now: T });
    await store.insertItems('later', items(1), T);
    await store.finishCreating('later', { total: 1, skipped: 0 }, T);
    await store.insertBatch({ id: 'stuck', channel: 'chat', provider: 'p', template: { channel: 'chat', content: { text: 'x' } }, concurrency: 1, autoResume: true, startAt: null, now: T });
    await store.insertItems('stuck', items(3), T + 10);
    expect(await store.findRunnable(T + 999, 10)).toEqual([]);
    expect((await store.findRunnable(T + 1_000, 10)).map((b) => b.id)).toEqual(['later']);
    expect(await store.startIfDue('later', T + 999)).toBe(false);
    expect(await store.deleteAbandoned(T + 10)).toBe(0);
    expect(await store.deleteAbandoned(T + 11)).toBe(1);
    expect(await store.getBatch('stuck')).toBeUndefined();
    expect(await store.listItems('stuck', { limit: 10 })).toEqual([]);
  });

  it('pages items by status in order', async () => {
    await runningBatch('B', 6);
    await claim('a', T, 6);
    await store.recordOutcomes(
      'B',
      'a',
      [2, 4, 5].map((item) => ({ item, kind: 'failed' as const, attempts: 1, error: { kind: 'permanent', message: 'x' }, at: T })),
      T,
    );
    expect((await store.listItems('B', { status: 'failed', limit: 2 })).map((i) => i.item)).toEqual([2, 4]);
    expect((await store.listItems('B', { status: 'failed', after: 4, limit: 2 })).map((i) => i.item)).toEqual([5]);
  });
});
