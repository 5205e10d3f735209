import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StandInServer, type StandInReply } from '../../src/providers/testing/stand-in.js';
import { startTestMissive, type TestMissive } from '../support/missive.js';
import { drainQueue } from '../support/rabbitmq.js';
import { STORE_KINDS } from '../support/stores.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Two webhook provider instances, told apart by a header, in fail-over order; `process` names the worker process calling. */
function config(extra: Record<string, unknown> = {}, process = 'one') {
  const headers = (instance: string) => ({ 'x-instance': instance, 'x-process': process });
  return {
    providers: {
      primary: { type: 'webhook', secret: SECRET, allowPrivateNetworks: true, headers: headers('primary') },
      secondary: { type: 'webhook', secret: SECRET, allowPrivateNetworks: true, headers: headers('secondary') },
    },
    channels: { webhook: { providers: ['primary', 'secondary'] } },
    ...extra,
  };
}

describe.each(STORE_KINDS)('retries, circuit breakers, fail-over and dead letters in the worker: %s', (kind) => {
  let vendor: StandInServer;
  const running: TestMissive[] = [];
  const calls = (instance: string) => vendor.requests.filter((r) => r.headers['x-instance'] === instance).length;

  beforeEach(async () => {
    vendor = await StandInServer.start();
  });

  afterEach(async () => {
    const all = running.splice(0);
    for (const missive of all.slice(1).reverse()) await missive.stop();
    await all[0]?.destroy();
    await vendor.close();
  });

  async function start(extra: Record<string, unknown> = {}, reuse?: TestMissive, process = 'one'): Promise<TestMissive> {
    const missive = await startTestMissive(kind, {
      config: config(extra, process),
      ...(reuse && { database: reuse.database, prefix: reuse.prefix }),
    });
    running.push(missive);
    return missive;
  }

  const send = async (missive: TestMissive, data: unknown = { n: 1 }, provider?: string) =>
    (await missive.runtime.producer()).send({ channel: 'webhook', to: `${vendor.url}/hook`, data, ...(provider && { provider }) });

  it('delivers on attempt 3 after two 503s, waiting a backoff between attempts', async () => {
    const missive = await start();
    let n = 0;
    vendor.respond(() => (++n <= 2 ? { status: 503, body: { error: 'busy' } } : { status: 200, body: {} }));
    const { id } = await send(missive, { n: 1 }, 'primary');
    await expect.poll(async () => (await missive.runtime.store.getMessage(id))?.status, { timeout: 10_000 }).toBe('delivered');
    const record = await missive.runtime.store.getMessage(id);
    expect(record?.attempts).toBe(3);
    const history = await missive.runtime.store.getHistory(id);
    expect(history.map((h) => h.event)).toEqual(['accepted', 'retrying', 'retrying', 'delivered']);
    expect(history[1]?.detail).toMatchObject({ attempt: 1, provider: 'primary', error: { kind: 'retryable', vendorStatus: 503 } });
    expect(calls('primary')).toBe(3);
  });

  it('fails a 400 after one attempt, dead-letters it with the reason, and replays it', async () => {
    const missive = await start();
    vendor.respond(() => ({ status: 400, body: { error: 'bad payload' } }));
    const { id } = await send(missive, { n: 2 }, 'primary');
    await expect.poll(async () => (await missive.runtime.store.getMessage(id))?.status, { timeout: 10_000 }).toBe('failed');
    expect(await missive.runtime.store.getMessage(id)).toMatchObject({ attempts: 1, lastError: { kind: 'permanent', vendorStatus: 400 } });
    expect(calls('primary')).toBe(1);
    const listed = await missive.runtime.store.listMessages({ deadLettered: true, limit: 10 });
    expect(listed.map((m) => m.id)).toEqual([id]);
    const broker = await missive.runtime.broker();
    await expect.poll(() => broker.queueDepth('dead-letter')).toBe(1);
    const [letter] = await drainQueue(`${missive.prefix}.dead-letter`);
    expect(String(letter?.properties.headers?.['x-missive-reason'])).toMatch(/^permanent error/);
    expect(letter?.properties.headers?.['x-missive-attempts']).toBe(1);

    vendor.respond(() => ({ status: 200, body: {} }));
    const now = Date.now();
    const requeued = await missive.runtime.store.requeue(id, now, now + 10_000);
    await (await missive.runtime.publisher()).publish(requeued);
    await expect.poll(async () => (await missive.runtime.store.getMessage(id))?.status, { timeout: 10_000 }).toBe('delivered');
    expect((await missive.runtime.store.getHistory(id)).map((h) => h.event)).toContain('replayed');
  });

  it('opens the breaker on a provider that is down, calls it no more than the window and the probes, and fails over', async () => {
    const breaker = { windowSize: 10, minimumCalls: 5, failureThreshold: 0.5, breakMs: 400, maxBreakMs: 800 };
    const missive = await start({ delivery: { breaker, retry: { baseMs: 20, capMs: 100, maxAttempts: 5 } } });
    let probes = 0;
    missive.runtime.breakers().onEvent((provider, event) => {
      if (provider === 'primary' && event.type === 'half_opened') probes += 1;
    });
    vendor.respond((request): StandInReply => (request.headers['x-instance'] === 'primary' ? { status: 503 } : { status: 200, body: {} }));
    const ids: string[] = [];
    // Sent over about two seconds: past the end of a break or two, so the primary is probed.
    for (let i = 0; i < 40; i++) {
      ids.push((await send(missive, { i })).id);
      await sleep(50);
    }
    await expect
      .poll(async () => (await missive.runtime.store.countByStatus()).delivered, { timeout: 20_000 })
      .toBe(40);
    expect(probes).toBeGreaterThanOrEqual(1);
    // The calls that filled the window reached the primary, then one call per probe.
    expect(calls('primary')).toBeLessThanOrEqual(breaker.windowSize + probes);
    expect(calls('primary')).toBeGreaterThanOrEqual(breaker.minimumCalls + probes);
    expect(calls('secondary')).toBe(40);
    const failedOver = await Promise.all(ids.map(async (id) => (await missive.runtime.store.getHistory(id)).some((h) => h.event === 'failover')));
    expect(failedOver.filter(Boolean).length).toBeGreaterThan(0);
    const last = await missive.runtime.store.getHistory(ids.at(-1)!);
    expect(last.find((h) => h.event === 'failover')?.detail).toMatchObject({ from: 'primary', to: 'secondary', reason: 'circuit_open' });
  });

  it('sends traffic back to the primary after one probe closes its breaker', async () => {
    const breaker = { windowSize: 10, minimumCalls: 5, failureThreshold: 0.5, breakMs: 1_000 };
    const missive = await start({ delivery: { breaker, retry: { baseMs: 20, capMs: 100 } } });
    let primaryUp = false;
    vendor.respond((request): StandInReply => (request.headers['x-instance'] === 'primary' && !primaryUp ? { status: 503 } : { status: 200, body: {} }));
    for (let i = 0; i < 20; i++) await send(missive, { i });
    await expect.poll(async () => (await missive.runtime.store.countByStatus()).delivered, { timeout: 20_000 }).toBe(20);
    const downCalls = calls('primary');
    primaryUp = true;
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the break ends
    for (let i = 0; i < 10; i++) await send(missive, { after: i });
    await expect.poll(async () => (await missive.runtime.store.countByStatus()).delivered, { timeout: 20_000 }).toBe(30);
    expect(calls('primary') - downCalls).toBeGreaterThanOrEqual(9); // one probe, then the rest
  });

  it('waits without spending attempts when every provider of the channel is open', async () => {
    const breaker = { windowSize: 4, minimumCalls: 2, failureThreshold: 0.5, breakMs: 800 };
    const missive = await start({ delivery: { breaker, retry: { baseMs: 20, capMs: 50, maxAttempts: 10 } } });
    let down = true;
    vendor.respond(() => (down ? { status: 503 } : { status: 200, body: {} }));
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await send(missive, { i })).id);
    await expect
      .poll(async () => {
        const histories = await Promise.all(ids.map((id) => missive.runtime.store.getHistory(id)));
        return histories.some((h) => h.some((e) => e.event === 'deferred'));
      }, { timeout: 10_000 })
      .toBe(true);
    down = false;
    await expect.poll(async () => (await missive.runtime.store.countByStatus()).delivered, { timeout: 15_000 }).toBe(6);
    for (const id of ids) {
      const record = await missive.runtime.store.getMessage(id);
      const attempts = (await missive.runtime.store.getHistory(id)).filter((h) => ['retrying', 'delivered', 'failed'].includes(h.event));
      expect(record?.attempts).toBe(attempts.length); // deferrals are not attempts
    }
  });

  it('shares one breaker between two worker processes', async () => {
    const breaker = { windowSize: 10, minimumCalls: 5, failureThreshold: 0.5, breakMs: 60_000 };
    const extra = { delivery: { breaker, retry: { baseMs: 20, capMs: 100 } } };
    const first = await start(extra);
    vendor.respond((request): StandInReply => (request.headers['x-instance'] === 'primary' ? { status: 503 } : { status: 200, body: {} }));
    for (let i = 0; i < 15; i++) await send(first, { i });
    await expect.poll(async () => (await first.runtime.store.countByStatus()).delivered, { timeout: 15_000 }).toBe(15);
    const openedAt = calls('primary');
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the state reaches the store
    const second = await start(extra, first);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // and the second process
    for (let i = 0; i < 30; i++) await send(second, { second: i });
    await expect.poll(async () => (await second.runtime.store.countByStatus()).delivered, { timeout: 15_000 }).toBe(45);
    expect(calls('primary')).toBe(openedAt);
  });

  it('stops a second worker already running with a closed circuit calling the provider within a second of the first opening it', async () => {
    const breaker = { windowSize: 10, minimumCalls: 5, failureThreshold: 0.5, breakMs: 3_000, maxBreakMs: 3_000 };
    const extra = { delivery: { breaker, retry: { baseMs: 20, capMs: 100, maxAttempts: 10 } } };
    const first = await start(extra, undefined, 'one');
    const second = await start(extra, first, 'two');
    const arrivals: { instance: string; process: string; at: number }[] = [];
    // The primary fails the first process's calls only: the second can learn of the open circuit, not cause it.
    vendor.respond((request): StandInReply => {
      const instance = String(request.headers['x-instance']);
      const process = String(request.headers['x-process']);
      arrivals.push({ instance, process, at: Date.now() });
      return instance === 'primary' && process === 'one' ? { status: 503 } : { status: 200, body: {} };
    });
    let openedAt: number | undefined;
    first.runtime.breakers().onEvent((provider, event) => {
      if (provider === 'primary' && event.type === 'opened') openedAt ??= event.at;
    });
    let sent = 0;
    // A steady stream through both processes, until well into the break.
    while (sent < 400 && (openedAt === undefined || Date.now() < openedAt + 2_600)) {
      await send(sent % 2 === 0 ? first : second, { sent });
      sent += 1;
      await sleep(20);
    }
    await expect.poll(async () => (await first.runtime.store.countByStatus()).delivered, { timeout: 15_000 }).toBe(sent);
    const opened = openedAt as number;
    expect(openedAt).toBeDefined();
    const bySecond = (instance: string, from: number, to: number) =>
      arrivals.filter((a) => a.process === 'two' && a.instance === instance && a.at >= from && a.at < to).length;
    expect(bySecond('primary', 0, opened)).toBeGreaterThan(0); // it was calling the primary, circuit closed
    expect(bySecond('primary', opened + 1_000, opened + 2_600)).toBe(0);
    expect(bySecond('secondary', opened + 1_000, opened + 2_600)).toBeGreaterThan(0); // still at work, failing over
  });

  it('sends one probe across two workers when the break ends, and the messages parked meanwhile follow within a second or two', async () => {
    const breaker = { windowSize: 10, minimumCalls: 3, failureThreshold: 0.5, breakMs: 500, maxBreakMs: 500 };
    const extra = { delivery: { breaker, retry: { baseMs: 20, capMs: 100, maxAttempts: 30 } } };
    const first = await start(extra, undefined, 'one');
    const second = await start(extra, first, 'two');
    let down = true;
    let probe: { at: number; answeredAt?: number } | undefined;
    const duringProbe: string[] = [];
    vendor.respond(async (request): Promise<StandInReply> => {
      if (down) return { status: 503 };
      if (probe === undefined) {
        // The first call once the primary is back is the probe: held, to see whether another comes meanwhile.
        probe = { at: Date.now() };
        await sleep(500);
        probe.answeredAt = Date.now();
      } else if (probe.answeredAt === undefined) {
        duringProbe.push(String(request.headers['x-process']));
      }
      return { status: 200, body: {} };
    });
    const sawOpen = new Set<string>();
    for (const [name, missive] of [['one', first], ['two', second]] as const) {
      missive.runtime.breakers().onEvent((provider, event) => {
        if (provider === 'primary' && event.type === 'opened') sawOpen.add(name);
      });
    }
    // Messages naming the primary: with its circuit open they have nowhere to fail over, so they wait.
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await send(i % 2 === 0 ? first : second, { i }, 'primary')).id);
    await expect.poll(() => sawOpen.size, { timeout: 10_000 }).toBe(2);
    await sleep(100);
    down = false;
    await expect.poll(async () => (await first.runtime.store.countByStatus()).delivered, { timeout: 10_000 }).toBe(20);
    expect(probe?.answeredAt).toBeDefined();
    expect(duringProbe).toEqual([]);
    const records = await Promise.all(ids.map((id) => first.runtime.store.getMessage(id)));
    const lastDeliveredAt = Math.max(...records.map((record) => record?.deliveredAt ?? Number.POSITIVE_INFINITY));
    expect(lastDeliveredAt - (probe?.answeredAt as number)).toBeLessThan(2_500);
  });
});
