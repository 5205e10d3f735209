import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdGenerator } from '../../core/ids.js';
import { silentLogger } from '../../core/logger.js';
import { RetryableProviderError } from '../../providers/errors.js';
import { SqlBreakerStore } from '../../store/sql-breaker-store.js';
import type { SqlMessageStore } from '../../store/sql-message-store.js';
import { openSqliteStore } from '../../store/sqlite/open-sqlite.js';
import type { BreakerEvent } from './events.js';
import { SharedBreakerBoard } from './shared-board.js';

const options = { windowSize: 4, minimumCalls: 2, failureThreshold: 0.5, breakMs: 1_000, probeTimeoutMs: 5_000, syncMs: 100 };

describe('SharedBreakerBoard (two processes, one real store, fake clock)', () => {
  let store: SqlMessageStore;
  let now: number;
  const clock = { now: () => now };
  let a: SharedBreakerBoard;
  let b: SharedBreakerBoard;
  const eventsOfB: BreakerEvent['type'][] = [];

  const fail = (board: SharedBreakerBoard) => {
    const permit = board.acquire('p');
    if (!permit.permitted) throw new Error('refused');
    permit.failure(new RetryableProviderError('503'));
  };

  beforeEach(async () => {
    now = 1_000_000;
    store = openSqliteStore(':memory:', createIdGenerator());
    await store.migrate();
    const shared = new SqlBreakerStore(store.context);
    a = new SharedBreakerBoard(shared, { ...options, owner: 'a' }, clock, silentLogger);
    b = new SharedBreakerBoard(shared, { ...options, owner: 'b' }, clock, silentLogger);
    eventsOfB.length = 0;
    b.onEvent((_, event) => eventsOfB.push(event.type));
  });

  afterEach(async () => {
    await store.close();
  });

  it("stops every process calling once one process's breaker opens", async () => {
    fail(a);
    fail(a);
    expect(a.acquire('p').permitted).toBe(false);
    expect(b.acquire('p').permitted).toBe(true);
    await a.sync();
    await b.sync();
    expect(b.acquire('p').permitted).toBe(false);
    expect(b.status('p').state).toBe('open');
    expect(eventsOfB).toContain('opened');
  });

  it('lets exactly one process send the probe when the break ends, and shares its outcome', async () => {
    fail(a);
    fail(a);
    await a.sync();
    await b.sync();
    now += 1_000;
    await b.sync(); // b claims the probe first
    await a.sync();
    const fromA = a.acquire('p');
    const fromB = b.acquire('p');
    expect([fromA.permitted, fromB.permitted]).toEqual([false, true]);
    if (fromB.permitted) fromB.success();
    expect(b.status('p').state).toBe('closed');
    await b.sync();
    await a.sync();
    expect(a.status('p').state).toBe('closed');
    expect(a.acquire('p').permitted).toBe(true);
  });

  it('re-opens the circuit for everyone when the probe fails', async () => {
    fail(a);
    fail(a);
    await a.sync();
    await b.sync();
    now += 1_000;
    await a.sync();
    await b.sync();
    const probe = a.acquire('p');
    expect(probe.permitted).toBe(true);
    expect(b.acquire('p').permitted).toBe(false);
    if (probe.permitted) probe.failure(new RetryableProviderError('503'));
    await a.sync();
    await b.sync();
    now += 1_500; // the grown break (2 s) has not ended
    expect(b.acquire('p').permitted).toBe(false);
    expect(a.acquire('p').permitted).toBe(false);
  });

  it('hands the probe to another process when its owner never reports', async () => {
    fail(a);
    fail(a);
    await a.sync();
    now += 1_000;
    await a.sync(); // a owns the probe, then dies without probing
    await b.sync();
    expect(b.acquire('p').permitted).toBe(false);
    now += 5_000;
    await b.sync();
    expect(b.acquire('p').permitted).toBe(true);
  });
});
