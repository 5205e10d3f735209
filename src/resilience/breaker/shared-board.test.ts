import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdGenerator } from '../../core/ids.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import { RetryableProviderError } from '../../providers/errors.js';
import { SqlBreakerStore } from '../../store/sql-breaker-store.js';
import type { SqlMessageStore } from '../../store/sql-message-store.js';
import { openSqliteStore } from '../../store/sqlite/open-sqlite.js';
import type { BreakerEvent } from './events.js';
import { SharedBreakerBoard } from './shared-board.js';
import type { BreakerStateStore, SharedBreakerChange } from './shared-state.js';
import { readSharedBreakers } from './shared-view.js';
import { PROBE_RECHECK_MIN_MS } from './state.js';

const options = { windowSize: 4, minimumCalls: 2, failureThreshold: 0.5, breakMs: 1_000, probeTimeoutMs: 5_000, syncMs: 100 };
/** How long the boards above hold an unused probe claim: max(2 s, 8 rounds). */
const CLAIM_IDLE_MS = 2_000;

/** The real store, with writes that can be made to fail. */
class FlakyStore implements BreakerStateStore {
  failWrites = 0;
  constructor(private readonly inner: BreakerStateStore) {}
  readBreakers() {
    return this.inner.readBreakers();
  }
  async writeBreaker(provider: string, expectedVersion: number, change: SharedBreakerChange, now: number) {
    if (this.failWrites > 0) {
      this.failWrites -= 1;
      throw new Error('connection lost');
    }
    return this.inner.writeBreaker(provider, expectedVersion, change, now);
  }
  claimProbe(provider: string, owner: string, now: number, expiresAt: number) {
    return this.inner.claimProbe(provider, owner, now, expiresAt);
  }
  releaseProbe(provider: string, owner: string) {
    return this.inner.releaseProbe(provider, owner);
  }
}

/** A logger that keeps what it was told. */
function recordingLogger(): Logger & { lines: { level: string; message: string | undefined; fields: object }[] } {
  const lines: { level: string; message: string | undefined; fields: object }[] = [];
  const logger = {
    lines,
    debug: (fields: object, message?: string) => lines.push({ level: 'debug', message, fields }),
    info: (fields: object, message?: string) => lines.push({ level: 'info', message, fields }),
    warn: (fields: object, message?: string) => lines.push({ level: 'warn', message, fields }),
    error: (fields: object, message?: string) => lines.push({ level: 'error', message, fields }),
    child: () => logger,
  };
  return logger;
}

describe('SharedBreakerBoard (processes sharing one real store, fake clock)', () => {
  let store: SqlMessageStore;
  let shared: FlakyStore;
  let now: number;
  const clock = { now: () => now };
  let a: SharedBreakerBoard;
  let b: SharedBreakerBoard;
  const eventsOfB: BreakerEvent['type'][] = [];

  const board = (owner: string, logger: Logger = silentLogger) => new SharedBreakerBoard(shared, { ...options, owner }, clock, logger);
  const fail = (on: SharedBreakerBoard) => {
    const permit = on.acquire('p');
    if (!permit.permitted) throw new Error('refused');
    permit.failure(new RetryableProviderError('503'));
  };
  const row = async () => (await shared.readBreakers()).find((r) => r.provider === 'p');
  /** `a` opens the circuit at `now`; every board given learns it. */
  const openedByA = async (...others: SharedBreakerBoard[]) => {
    fail(a);
    fail(a);
    await a.sync();
    for (const other of others) await other.sync();
  };

  beforeEach(async () => {
    now = 1_000_000;
    store = openSqliteStore(':memory:', createIdGenerator());
    await store.migrate();
    shared = new FlakyStore(new SqlBreakerStore(store.context));
    a = board('a');
    b = board('b');
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
    await openedByA(b);
    now += 1_000;
    expect(b.acquire('p').permitted).toBe(false); // b wants the probe: its round claims it
    await b.sync();
    expect(a.acquire('p').permitted).toBe(false); // a wants it too, but b holds it
    await a.sync();
    expect((await row())?.probeOwner).toBe('b');
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

  it('claims the probe a round before the break ends when its calls were refused during it, so the next call probes at once', async () => {
    await openedByA(b);
    expect(b.acquire('p')).toMatchObject({ permitted: false, until: now + 1_000 });
    now += 1_000 - options.syncMs;
    await a.sync(); // a was refused nothing during the break: it claims nothing
    expect((await row())?.probeOwner).toBeNull();
    await b.sync();
    expect((await row())?.probeOwner).toBe('b');
    now += options.syncMs;
    expect(b.acquire('p')).toMatchObject({ permitted: true, probe: true });
  });

  it('never lets a process that calls no provider take the probe, in its rounds or when it stops', async () => {
    const bystander = board('serve');
    await openedByA(b, bystander);
    for (let round = 0; round < 20; round++) {
      now += options.syncMs;
      await bystander.sync();
    }
    expect((await row())?.probeOwner).toBeNull();
    await bystander.stop();
    expect((await row())?.probeOwner).toBeNull();
    // The probe is still free for a process with a call to make.
    expect(b.acquire('p').permitted).toBe(false);
    await b.sync();
    expect(b.acquire('p')).toMatchObject({ permitted: true, probe: true });
  });

  it('gives back the probe it holds when it stops, and claims none then', async () => {
    await openedByA(b);
    now += 1_000;
    b.acquire('p');
    await b.sync();
    expect((await row())?.probeOwner).toBe('b');
    a.acquire('p'); // a wants it too, but a stops before its next round
    await b.stop();
    await a.stop();
    expect(await row()).toMatchObject({ probeOwner: null, probeExpiresAt: null });
  });

  it('gives back a probe claim that no call used, so another process can probe', async () => {
    await openedByA(b);
    now += 1_000;
    b.acquire('p'); // the call went elsewhere (fail-over) and none came back
    await b.sync();
    expect((await row())?.probeOwner).toBe('b');
    now += CLAIM_IDLE_MS - 1;
    await b.sync();
    expect((await row())?.probeOwner).toBe('b');
    now += 1;
    await b.sync();
    expect((await row())?.probeOwner).toBeNull();
    expect(b.acquire('p').permitted).toBe(false); // given back: b must claim it again first
    a.acquire('p');
    await a.sync();
    expect(a.acquire('p')).toMatchObject({ permitted: true, probe: true });
  });

  it('keeps a claim while its probe is out, however long it takes', async () => {
    await openedByA(b);
    now += 1_000;
    b.acquire('p');
    await b.sync();
    expect(b.acquire('p')).toMatchObject({ permitted: true, probe: true });
    now += CLAIM_IDLE_MS + 1_000;
    await b.sync();
    expect((await row())?.probeOwner).toBe('b');
  });

  it('tells callers refused during a probe to come back soon, then less often the longer it lasts, by its deadline', async () => {
    await openedByA(b);
    now += 1_000;
    b.acquire('p');
    await b.sync();
    const claimedAt = now;
    const probe = b.acquire('p');
    expect(probe.permitted).toBe(true);
    await a.sync();
    const refusal = (on: SharedBreakerBoard) => {
      const answer = on.acquire('p');
      if (answer.permitted) throw new Error('expected a refusal');
      return answer.until - now;
    };
    // The probe's owner and the other process alike: not the probe's 5 s timeout, not a hot loop.
    now += 10;
    expect(refusal(a)).toBe(PROBE_RECHECK_MIN_MS);
    expect(refusal(b)).toBe(PROBE_RECHECK_MIN_MS);
    now = claimedAt + 2_000;
    expect(refusal(a)).toBe(2_000);
    expect(refusal(b)).toBe(2_000);
    const expiresAt = (await row())?.probeExpiresAt ?? 0;
    now = expiresAt - 100;
    expect(refusal(a)).toBe(100);
    // It succeeds: everyone follows within a round.
    if (probe.permitted) probe.success();
    await b.sync();
    await a.sync();
    expect(a.acquire('p').permitted).toBe(true);
  });

  it('re-opens the circuit for everyone when the probe fails', async () => {
    await openedByA(b);
    now += 1_000;
    a.acquire('p');
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
    await openedByA();
    now += 1_000;
    a.acquire('p');
    await a.sync(); // a owns the probe, then dies without probing
    await b.sync();
    expect(b.acquire('p').permitted).toBe(false);
    const expiresAt = (await row())?.probeExpiresAt ?? 0;
    expect(expiresAt).toBe(now + CLAIM_IDLE_MS + options.probeTimeoutMs);
    now = expiresAt;
    expect(b.acquire('p').permitted).toBe(false); // b wants it now
    await b.sync();
    expect(b.acquire('p').permitted).toBe(true);
  });

  it('keeps a transition whose write failed and shares it on the next round', async () => {
    await b.sync();
    fail(a);
    fail(a);
    shared.failWrites = 1;
    await a.sync();
    await b.sync();
    expect(b.status('p').state).toBe('closed');
    now += 100;
    await a.sync();
    await b.sync();
    expect(b.status('p').state).toBe('open');
    expect(b.acquire('p').permitted).toBe(false);
  });

  it('drops a transition that loses the compare-and-set, and follows the newer row', async () => {
    await a.sync();
    await b.sync();
    fail(b);
    fail(b);
    await b.sync(); // b opened first, with its own break
    const theirs = await row();
    now += 300;
    fail(a);
    fail(a); // a opened too, not knowing yet
    await a.sync();
    expect(await row()).toEqual(theirs);
    expect(a.status('p')).toEqual({ state: 'open', nextProbeAt: theirs?.until });
    await a.sync();
    expect((await row())?.version).toBe(theirs?.version); // nothing left to write
  });

  it('logs the transitions it makes, once, and those it adopts only at debug level', async () => {
    const logOfA = recordingLogger();
    const logOfB = recordingLogger();
    a = board('a', logOfA);
    b = board('b', logOfB);
    await openedByA(b);
    now += 1_000;
    a.acquire('p');
    await a.sync();
    const probe = a.acquire('p');
    if (probe.permitted) probe.success();
    await a.sync();
    await b.sync();
    const loud = (logger: typeof logOfA) => logger.lines.filter((line) => line.level !== 'debug').map((line) => `${line.level} ${line.message}`);
    expect(loud(logOfA)).toEqual([
      'warn circuit opened: calls to this provider are refused until the break ends',
      'info circuit half-open: sending one probe call',
      'info circuit closed: the probe succeeded',
    ]);
    expect(logOfA.lines[0]?.fields).toMatchObject({ provider: 'p', breakMs: 1_000, failureRatio: 1, calls: 2 });
    expect(loud(logOfB)).toEqual([]);
    expect(logOfB.lines.map((line) => line.message)).toContain('another process opened the circuit');
  });
});

describe('readSharedBreakers (the read-only view reports use)', () => {
  it('shows each circuit as the fleet shares it, and claims nothing', async () => {
    let now = 1_000_000;
    const clock = { now: () => now };
    const store = openSqliteStore(':memory:', createIdGenerator());
    await store.migrate();
    try {
      const shared = new SqlBreakerStore(store.context);
      const worker = new SharedBreakerBoard(shared, { ...options, owner: 'worker' }, clock, silentLogger);
      for (let i = 0; i < 2; i++) {
        const permit = worker.acquire('p');
        if (permit.permitted) permit.failure(new RetryableProviderError('503'));
      }
      await worker.sync();
      expect((await readSharedBreakers(shared, now))('p')).toEqual({ state: 'open', nextProbeAt: now + 1_000 });
      expect((await readSharedBreakers(shared, now))('q')).toEqual({ state: 'closed', nextProbeAt: undefined });
      now += 1_000;
      const view = await readSharedBreakers(shared, now);
      expect(view('p')).toEqual({ state: 'open', nextProbeAt: now });
      expect((await shared.readBreakers())[0]?.probeOwner).toBeNull();
      worker.acquire('p');
      await worker.sync();
      const probing = (await readSharedBreakers(shared, now))('p');
      expect(probing.state).toBe('half_open');
      expect(probing.nextProbeAt).toBe((await shared.readBreakers())[0]?.probeExpiresAt);
    } finally {
      await store.close();
    }
  });
});
