import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/core/errors.js';
import { createIdGenerator } from '../../src/core/ids.js';
import type { NewMessage } from '../../src/message/types.js';
import type { MessageInsert, MessageStore } from '../../src/store/store.js';
import { createTestDatabase, openTestStore, STORE_KINDS, type TestDatabase } from '../support/stores.js';

const newId = createIdGenerator();
const T0 = Date.parse('2030-01-01T00:00:00Z');

function email(overrides: Partial<NewMessage> = {}): NewMessage {
  return {
    channel: 'email',
    to: 'a@example.com',
    content: { subject: 'Hi', text: 'Hello' },
    delivery: { mode: 'immediate' },
    ...overrides,
  };
}

function queued(message: NewMessage = email(), now = T0): MessageInsert {
  return { id: newId(), message, status: 'queued', dueAt: now + 10_000, scheduledAt: null, now };
}

function scheduled(dueAt: number, now = T0): MessageInsert {
  return {
    id: newId(),
    message: email({ delivery: { mode: 'scheduled', at: new Date(dueAt).toISOString() } }),
    status: 'scheduled',
    dueAt,
    scheduledAt: dueAt,
    now,
  };
}

describe.each(STORE_KINDS)('message store conformance: %s', (kind) => {
  let database: TestDatabase;
  let store: MessageStore;

  beforeEach(async () => {
    database = await createTestDatabase(kind);
    store = await openTestStore(database);
  });

  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  it('migrates twice without harm', async () => {
    await expect(store.migrate()).resolves.toBeUndefined();
  });

  it('round-trips a message with every field and records its acceptance', async () => {
    const message = email({
      from: 'me@example.com',
      provider: 'inbox',
      metadata: { tenant: 't1', n: 2 },
      idempotencyKey: 'k-1',
      content: { subject: 'Hi', text: 'Hello', html: '<p>Hello</p>' },
    });
    const insert = queued(message);
    expect(await store.insertMessages([insert])).toEqual([{ id: insert.id, status: 'queued', created: true }]);
    const record = await store.getMessage(insert.id);
    expect(record).toMatchObject({
      ...message,
      id: insert.id,
      status: 'queued',
      attempts: 0,
      dueAt: T0 + 10_000,
      scheduledAt: null,
      createdAt: T0,
      publishedAt: null,
      lastError: null,
      batchId: null,
    });
    expect(await store.getHistory(insert.id)).toEqual([{ at: T0, event: 'accepted', status: 'queued' }]);
  });

  it('returns the first message for a repeated idempotency key, across and within batches', async () => {
    const first = queued(email({ idempotencyKey: 'same' }));
    await store.insertMessages([first]);
    const again = queued(email({ idempotencyKey: 'same', to: 'other@example.com' }));
    const twins = [queued(email({ idempotencyKey: 'twin' })), queued(email({ idempotencyKey: 'twin' }))];
    const results = await store.insertMessages([again, ...twins]);
    expect(results[0]).toEqual({ id: first.id, status: 'queued', created: false });
    expect(results[1]).toEqual({ id: twins[0]?.id, status: 'queued', created: true });
    expect(results[2]).toEqual({ id: twins[0]?.id, status: 'queued', created: false });
    expect(await store.getMessage(again.id)).toBeUndefined();
  });

  it('records the confirm and takes a queued message off the relay watch', async () => {
    const a = queued();
    const b = queued();
    await store.insertMessages([a, b]);
    await store.claimForDelivery([b.id], T0 + 1, []);
    await store.markPublished([a.id, b.id], T0 + 2);
    expect(await store.getMessage(a.id)).toMatchObject({ publishedAt: T0 + 2, dueAt: null });
    expect(await store.getMessage(b.id)).toMatchObject({ status: 'sending', publishedAt: null, dueAt: null });
  });

  it('claims queued messages, and re-delivered copies of those being sent, counting attempts, and nothing else', async () => {
    const a = queued();
    const later = scheduled(T0 + 60_000);
    await store.insertMessages([a, later]);
    const claimed = await store.claimForDelivery([a.id, later.id, 'missing'], T0, []);
    expect(claimed.map((m) => [m.id, m.attempts])).toEqual([[a.id, 1]]);
    expect(await store.getMessage(a.id)).toMatchObject({ status: 'sending', attempts: 1 });
    expect(claimed[0]).toMatchObject({ to: a.message.to, content: a.message.content });
    // While it is being sent, a copy handed out for the first time (a relay's) cannot claim it;
    // the same copy handed out again (its worker died) can.
    expect(await store.claimForDelivery([a.id], T0, [])).toEqual([]);
    expect((await store.claimForDelivery([a.id], T0, [a.id])).map((m) => m.attempts)).toEqual([2]);
    await store.applyTransitions([
      { id: a.id, from: ['sending'], changes: { status: 'delivered', deliveredAt: T0 }, events: [], now: T0 },
    ]);
    expect(await store.claimForDelivery([a.id], T0, [a.id])).toEqual([]);
  });

  it('applies transitions only from the allowed statuses, in groups of any shape, with history', async () => {
    const a = queued();
    const b = queued();
    const c = queued();
    await store.insertMessages([a, b, c]);
    await store.claimForDelivery([a.id, b.id], T0, []);
    const error = { kind: 'retryable', message: 'HTTP 503', vendorStatus: 503, provider: 'p1' };
    const applied = await store.applyTransitions([
      {
        id: a.id,
        from: ['sending'],
        changes: { status: 'delivered', deliveredAt: T0 + 5, lastProvider: 'p1', providerMessageId: 'v-1' },
        events: [{ event: 'failover', status: 'sending', at: T0 + 4, detail: { from: 'p0', to: 'p1' } }],
        now: T0 + 5,
      },
      {
        id: b.id,
        from: ['sending'],
        changes: { status: 'retrying', dueAt: T0 + 1000, lastError: error, lastProvider: 'p1' },
        events: [{ event: 'attempt', status: 'retrying', at: T0 + 6 }],
        now: T0 + 6,
      },
      { id: c.id, from: ['sending'], changes: { status: 'delivered' }, events: [{ event: 'delivered', status: 'delivered', at: T0 }], now: T0 },
    ]);
    expect(applied).toEqual([true, true, false]);
    expect(await store.getMessage(a.id)).toMatchObject({ status: 'delivered', deliveredAt: T0 + 5, providerMessageId: 'v-1', lastProvider: 'p1' });
    expect(await store.getMessage(b.id)).toMatchObject({ status: 'retrying', dueAt: T0 + 1000, lastError: error });
    expect(await store.getMessage(c.id)).toMatchObject({ status: 'queued' });
    // Acceptance and delivery are read back from the row; the fail-over was stored.
    expect(await store.getHistory(a.id)).toEqual([
      { at: T0, event: 'accepted', status: 'queued' },
      { at: T0 + 4, event: 'failover', status: 'sending', detail: { from: 'p0', to: 'p1' } },
      { at: T0 + 5, event: 'delivered', status: 'delivered', detail: { attempt: 1, provider: 'p1', providerMessageId: 'v-1' } },
    ]);
    expect((await store.getHistory(b.id)).map((h) => h.event)).toEqual(['accepted', 'attempt']);
    expect((await store.getHistory(c.id)).map((h) => h.event)).toEqual(['accepted']);
  });

  it('clears a column when a transition sets it to null', async () => {
    const a = queued();
    await store.insertMessages([a]);
    await store.claimForDelivery([a.id], T0, []);
    await store.applyTransitions([{ id: a.id, from: ['sending'], changes: { lastError: { kind: 'x', message: 'y' } }, events: [], now: T0 }]);
    await store.applyTransitions([{ id: a.id, from: ['sending'], changes: { lastError: null }, events: [], now: T0 }]);
    expect((await store.getMessage(a.id))?.lastError).toBeNull();
  });

  it('leases due messages in due order, up to the horizon and the limit', async () => {
    const late = scheduled(T0 + 3000);
    const early = scheduled(T0 + 1000);
    const far = scheduled(T0 + 3_600_000);
    const stranded = queued(email(), T0 - 20_000); // relay deadline T0 - 10 s, never confirmed
    const confirmed = queued(email(), T0 - 20_000);
    await store.insertMessages([late, early, far, stranded, confirmed]);
    await store.markPublished([confirmed.id], T0 - 19_000);
    const claimed = await store.claimDue('s1', T0 + 5000, T0, 30_000, 10);
    expect(claimed.map((m) => m.id)).toEqual([stranded.id, early.id, late.id]);
    expect(claimed[1]).toMatchObject({ leaseOwner: 's1', leaseExpiresAt: T0 + 30_000, status: 'scheduled', dueAt: T0 + 1000 });
    expect(await store.claimDue('s2', T0 + 5000, T0 + 1, 30_000, 10)).toEqual([]);
    const limited = await store.claimDue('s2', T0 + 5000, T0 + 30_000, 30_000, 2);
    expect(limited.map((m) => m.id)).toEqual([stranded.id, early.id]);
  });

  it('tells the earliest claimable due time', async () => {
    expect(await store.nextDueAt(T0)).toBeUndefined();
    const a = scheduled(T0 + 5000);
    const b = scheduled(T0 + 2000);
    await store.insertMessages([a, b]);
    expect(await store.nextDueAt(T0)).toBe(T0 + 2000);
    await store.claimDue('s1', T0 + 2000, T0, 30_000, 10); // leases b
    expect(await store.nextDueAt(T0)).toBe(T0 + 5000);
    expect(await store.nextDueAt(T0 + 30_000)).toBe(T0 + 2000); // b's lease expired
  });

  it('dispatches only messages still leased by the dispatcher and still waiting', async () => {
    const a = scheduled(T0 + 1000);
    const b = scheduled(T0 + 1000);
    const c = scheduled(T0 + 1000);
    await store.insertMessages([a, b, c]);
    const claimed = await store.claimDue('s1', T0 + 2000, T0, 30_000, 10);
    await store.cancel(b.id, T0 + 10);
    await store.reschedule(c.id, T0 + 9000, T0 + 10);
    const moved = await store.beginDispatch(claimed, 's1', T0 + 1000, T0 + 11_000);
    expect(moved).toEqual([a.id]);
    expect(await store.getMessage(a.id)).toMatchObject({ status: 'queued', dueAt: T0 + 11_000, scheduledAt: T0 + 1000 });
    expect((await store.getHistory(a.id)).map((h) => h.event)).toEqual(['accepted', 'dispatched']);
    expect(await store.getMessage(c.id)).toMatchObject({ status: 'scheduled', dueAt: T0 + 9000 });
  });

  it('dispatches a held group by its due time and lease in one go', async () => {
    const a = scheduled(T0 + 1000);
    const b = scheduled(T0 + 1000);
    const c = scheduled(T0 + 1000);
    const other = scheduled(T0 + 2000);
    await store.insertMessages([a, b, c, other]);
    await store.claimDue('s1', T0 + 5000, T0, 30_000, 10);
    await store.cancel(c.id, T0 + 1);
    const group = [a.id, b.id, c.id];
    expect((await store.beginDispatchDue('s2', T0 + 1000, group, T0 + 1000, T0 + 11_000)).length).toBe(0);
    expect((await store.beginDispatchDue('s1', T0 + 1000, group, T0 + 1000, T0 + 11_000)).sort()).toEqual([a.id, b.id].sort());
    expect(await store.getMessage(a.id)).toMatchObject({ status: 'queued', dueAt: T0 + 11_000 });
    expect(await store.getMessage(other.id)).toMatchObject({ status: 'scheduled' });
    expect((await store.getHistory(a.id)).map((h) => h.event)).toEqual(['accepted', 'dispatched']);
  });

  it('dispatches of a held group only the messages it holds, not others the same scheduler leased at that time since', async () => {
    const held = scheduled(T0 + 1000);
    const late = scheduled(T0 + 1000);
    await store.insertMessages([held]);
    await store.claimDue('s1', T0 + 5000, T0, 30_000, 10);
    // Claimed by a poll of the same scheduler after the group was formed: not in the group.
    await store.insertMessages([late]);
    await store.claimDue('s1', T0 + 5000, T0 + 10, 30_000, 10);
    expect(await store.beginDispatchDue('s1', T0 + 1000, [held.id], T0 + 1000, T0 + 11_000)).toEqual([held.id]);
    expect(await store.getMessage(late.id)).toMatchObject({ status: 'scheduled', dueAt: T0 + 1000 });
  });

  it('does not relay again a message whose publish confirm was recorded after it was claimed', async () => {
    const confirmed = queued(email(), T0 - 20_000);
    const stranded = queued(email(), T0 - 20_000);
    await store.insertMessages([confirmed, stranded]);
    const claimed = await store.claimDue('s1', T0, T0, 30_000, 10);
    expect(claimed.map((m) => m.id).sort()).toEqual([confirmed.id, stranded.id].sort());
    await store.markPublished([confirmed.id], T0);
    expect(await store.beginDispatch(claimed, 's1', T0, T0 + 10_000)).toEqual([stranded.id]);
    expect(await store.getMessage(confirmed.id)).toMatchObject({ status: 'queued', dueAt: null, publishedAt: T0 });
    expect((await store.getHistory(confirmed.id)).map((h) => h.event)).toEqual(['accepted']);
  });

  it('dispatches nothing before its due time', async () => {
    const later = scheduled(T0 + 1000);
    await store.insertMessages([later]);
    const claimed = await store.claimDue('s1', T0 + 5000, T0, 30_000, 10);
    expect(await store.beginDispatch(claimed, 's1', T0 + 999, T0 + 11_000)).toEqual([]);
    expect(await store.beginDispatchDue('s1', T0 + 1000, [later.id], T0 + 999, T0 + 11_000)).toEqual([]);
    expect(await store.beginDispatch(claimed, 's1', T0 + 1000, T0 + 11_000)).toEqual([later.id]);
  });

  it('relays a stranded queued message with a history entry saying so', async () => {
    const stranded = queued(email(), T0 - 20_000);
    await store.insertMessages([stranded]);
    const claimed = await store.claimDue('s1', T0, T0, 30_000, 10);
    expect(await store.beginDispatch(claimed, 's1', T0, T0 + 10_000)).toEqual([stranded.id]);
    expect((await store.getHistory(stranded.id)).map((h) => h.event)).toEqual(['accepted', 'relayed']);
  });

  it('cancels and reschedules until dispatch, then refuses with a clear error', async () => {
    const a = scheduled(T0 + 1000);
    const b = scheduled(T0 + 1000);
    await store.insertMessages([a, b]);
    expect(await store.cancel(a.id, T0)).toMatchObject({ status: 'cancelled', dueAt: null });
    const moved = await store.reschedule(b.id, T0 + 5000, T0);
    expect(moved).toMatchObject({ status: 'scheduled', scheduledAt: T0 + 5000, delivery: { mode: 'scheduled', at: new Date(T0 + 5000).toISOString() } });
    const claimed = await store.claimDue('s1', T0 + 6000, T0, 30_000, 10);
    await store.beginDispatch(claimed, 's1', T0 + 5000, T0 + 15_000);
    await expect(store.cancel(b.id, T0)).rejects.toThrow(ConflictError);
    await expect(store.reschedule(b.id, T0 + 9000, T0)).rejects.toThrow(/already dispatched/);
    await expect(store.cancel('nope', T0)).rejects.toThrow(NotFoundError);
    expect((await store.getHistory(b.id)).map((h) => h.event)).toEqual(['accepted', 'rescheduled', 'dispatched']);
  });

  it('replays failed messages with fresh attempts and refuses others', async () => {
    const a = queued();
    await store.insertMessages([a]);
    await store.claimForDelivery([a.id], T0, []);
    await store.applyTransitions([
      { id: a.id, from: ['sending'], changes: { status: 'failed', deadLetteredAt: T0 }, events: [], now: T0 },
    ]);
    expect((await store.listMessages({ deadLettered: true, limit: 10 })).map((m) => m.id)).toEqual([a.id]);
    expect(await store.requeue(a.id, T0 + 1, T0 + 10_000)).toMatchObject({ status: 'queued', attempts: 0, dueAt: T0 + 10_000 });
    expect(await store.listMessages({ deadLettered: true, limit: 10 })).toEqual([]);
    await expect(store.requeue(a.id, T0, T0)).rejects.toThrow(/not failed or dead/);
  });

  it('lists by status with paging and counts by status', async () => {
    const inserts = [queued(), queued(), queued(), scheduled(T0 + 1000)];
    await store.insertMessages(inserts);
    const page1 = await store.listMessages({ status: 'queued', limit: 2 });
    const page2 = await store.listMessages({ status: 'queued', limit: 2, after: page1.at(-1)?.id });
    expect([...page1, ...page2].map((m) => m.id)).toEqual(inserts.slice(0, 3).map((i) => i.id));
    expect(await store.countByStatus()).toEqual({ queued: 3, scheduled: 1 });
  });

  it('tells watchers in another connection that something was scheduled', async () => {
    const other = await openTestStore(database);
    try {
      const heard: (number | undefined)[] = [];
      const stop = store.watchSchedule((dueAt) => heard.push(dueAt));
      await new Promise((resolve) => setTimeout(resolve, 300)); // LISTEN connection up
      heard.length = 0;
      await other.insertMessages([scheduled(T0 + 1234)]);
      await expect.poll(() => heard.length, { timeout: 3000 }).toBeGreaterThan(0);
      if (kind === 'postgres') expect(heard).toContain(T0 + 1234);
      stop();
    } finally {
      await other.close();
    }
  });

  it('answers ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

describe('postgres claims under concurrency', () => {
  let database: TestDatabase;
  let stores: MessageStore[];

  beforeEach(async () => {
    database = await createTestDatabase('postgres');
    stores = [await openTestStore(database), await openTestStore(database), await openTestStore(database)];
  });

  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await database.drop();
  });

  it('never leases one message to two schedulers', async () => {
    const inserts = Array.from({ length: 600 }, (_, i) => scheduled(T0 + i));
    await stores[0]?.insertMessages(inserts);
    const claimed = await Promise.all(
      stores.flatMap((store, s) => Array.from({ length: 4 }, () => store.claimDue(`s${s}`, T0 + 10_000, T0, 30_000, 60))),
    );
    const ids = claimed.flat().map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(600); // 12 claims of 60 cover all 600
  });
});
