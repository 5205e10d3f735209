import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/core/errors.js';
import { createIdGenerator } from '../../src/core/ids.js';
import { readOutbox, startTestMissive, type TestMissive } from '../support/missive.js';
import { onSideChannel, UNREACHABLE_AMQP_URL } from '../support/rabbitmq.js';
import { STORE_KINDS } from '../support/stores.js';

const at = (ms: number) => new Date(ms).toISOString();

describe.each(STORE_KINDS)('scheduled delivery: %s', (kind) => {
  const running: TestMissive[] = [];

  afterEach(async () => {
    const all = running.splice(0);
    for (const missive of all.slice(1).reverse()) await missive.stop();
    await all[0]?.destroy();
  });

  async function start(options: Parameters<typeof startTestMissive>[1] = {}): Promise<TestMissive> {
    const missive = await startTestMissive(kind, options);
    running.push(missive);
    return missive;
  }

  it('delivers each message at its time, never before', async () => {
    const missive = await start();
    const producer = await missive.runtime.producer();
    const base = Date.now() + 600;
    const due = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      const dueAt = base + i * 50;
      const receipt = await producer.send({ channel: 'chat', to: '#ops', text: `t${i}`, delivery: { mode: 'scheduled', at: at(dueAt) } });
      expect(receipt.status).toBe('scheduled');
      due.set(receipt.id, dueAt);
    }
    await expect.poll(() => readOutbox(missive.outboxPath).length, { timeout: 10_000 }).toBe(20);
    for (const line of readOutbox(missive.outboxPath)) {
      const dueAt = due.get(line.id)!;
      expect(Date.parse(line.deliveredAt)).toBeGreaterThanOrEqual(dueAt);
      expect(line.delivery).toEqual({ mode: 'scheduled', at: at(dueAt) });
      const dispatched = (await missive.runtime.store.getHistory(line.id)).find((h) => h.event === 'dispatched');
      expect(dispatched!.at).toBeGreaterThanOrEqual(dueAt);
    }
  });

  it('sends a message scheduled in the past at once', async () => {
    const missive = await start();
    const producer = await missive.runtime.producer();
    const receipt = await producer.send({ channel: 'chat', to: '#ops', text: 'late', delivery: { mode: 'scheduled', at: '2001-01-01T00:00:00Z' } });
    expect(receipt.status).toBe('queued');
    await expect.poll(() => readOutbox(missive.outboxPath).map((l) => l.id)).toEqual([receipt.id]);
  });

  it('lets cancel and reschedule win or lose cleanly against dispatch, never both', async () => {
    const missive = await start({ config: { scheduler: { lookAheadMs: 500 } } });
    const producer = await missive.runtime.producer();
    const store = missive.runtime.store;
    const dueAt = Date.now() + 700;
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      ids.push((await producer.send({ channel: 'chat', to: '#ops', text: `r${i}`, delivery: { mode: 'scheduled', at: at(dueAt) } })).id);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt - Date.now() - 5)));
    const outcomes = await Promise.all(
      ids.map(async (id, i) => {
        try {
          if (i % 2 === 0) await store.cancel(id, Date.now());
          else await store.reschedule(id, Date.now() + 60_000, Date.now());
          return 'took back';
        } catch (error) {
          expect(error).toBeInstanceOf(ConflictError);
          return 'dispatched';
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const delivered = new Set(readOutbox(missive.outboxPath).map((line) => line.id));
    ids.forEach((id, i) => expect(delivered.has(id), `message ${i} ${outcomes[i]}`).toBe(outcomes[i] === 'dispatched'));
    for (const [i, id] of ids.entries()) {
      const record = await store.getMessage(id);
      if (outcomes[i] === 'took back') expect(record?.status).toBe(i % 2 === 0 ? 'cancelled' : 'scheduled');
    }
  });

  it('relays an accepted message whose publish never happened', async () => {
    const missive = await start({ config: { scheduler: { relayAfterMs: 300, lookAheadMs: 100 } } });
    const id = createIdGenerator()();
    const now = Date.now();
    // What a producer that died between storing and publishing leaves behind.
    await missive.runtime.store.insertMessages([
      { id, message: { channel: 'sms', to: '+14155550100', content: { text: 'orphan' }, delivery: { mode: 'immediate' } }, status: 'queued', dueAt: now + 300, scheduledAt: null, now },
    ]);
    await expect.poll(() => readOutbox(missive.outboxPath).map((l) => l.id), { timeout: 5_000 }).toEqual([id]);
    await expect
      .poll(async () => (await missive.runtime.store.getHistory(id)).map((h) => h.event))
      .toEqual(['accepted', 'relayed', 'delivered']);
  });

  it('accepts sends while RabbitMQ is unreachable, and relays them once a scheduler with RabbitMQ runs', async () => {
    // A producer alone, started with RabbitMQ out of reach: it must not wait for it, nor give up.
    const offline = await start({ roles: [], amqpUrl: UNREACHABLE_AMQP_URL, config: { scheduler: { relayAfterMs: 300, lookAheadMs: 100 } } });
    const producer = await offline.runtime.producer();
    const started = Date.now();
    const first = await producer.send({ channel: 'sms', to: '+14155550100', text: 'while RabbitMQ is away' });
    const second = await producer.send({ channel: 'sms', to: '+14155550100', text: 'and again' });
    expect(Date.now() - started).toBeLessThan(3_000);
    for (const receipt of [first, second]) {
      expect(receipt).toMatchObject({ status: 'queued', created: true, published: false });
      expect(await offline.runtime.store.getMessage(receipt.id)).toMatchObject({ status: 'queued', publishedAt: null });
    }
    // Its relay deadline (given at dispatch) well above a first delivery's time, so nothing is relayed twice.
    const online = await start({ database: offline.database, prefix: offline.prefix, config: { scheduler: { relayAfterMs: 5_000 } } });
    await expect
      .poll(() => readOutbox(online.outboxPath).map((l) => l.id).sort(), { timeout: 10_000 })
      .toEqual([first.id, second.id].sort());
    for (const receipt of [first, second]) {
      await expect
        .poll(async () => (await online.runtime.store.getHistory(receipt.id)).map((h) => h.event))
        .toEqual(['accepted', 'relayed', 'delivered']);
    }
  });

  it('relays a message whose publish RabbitMQ refused at send time (its exchange deleted)', async () => {
    const missive = await start({ config: { scheduler: { relayAfterMs: 1_000, lookAheadMs: 100 } } });
    await onSideChannel((channel) => channel.deleteExchange(`${missive.prefix}.dispatch`));
    const receipt = await (await missive.runtime.producer()).send({ channel: 'chat', to: '#ops', text: 'refused, then relayed' });
    expect(receipt).toMatchObject({ status: 'queued', published: false });
    await expect.poll(() => readOutbox(missive.outboxPath).map((l) => l.id), { timeout: 10_000 }).toEqual([receipt.id]);
    await expect
      .poll(async () => (await missive.runtime.store.getHistory(receipt.id)).map((h) => h.event))
      .toEqual(['accepted', 'relayed', 'delivered']);
  });

  it('delivers on time what was scheduled before a restart of the whole process', async () => {
    const first = await start();
    const producer = await first.runtime.producer();
    const base = Date.now() + 2_000;
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      ids.push((await producer.send({ channel: 'email', to: 'a@example.com', subject: 's', text: `${i}`, delivery: { mode: 'scheduled', at: at(base + i * 20) } })).id);
    }
    await first.stop();
    const second = await start({ database: first.database, prefix: first.prefix });
    await expect.poll(() => readOutbox(second.outboxPath).length, { timeout: 10_000 }).toBe(30);
    expect(new Set(readOutbox(second.outboxPath).map((l) => l.id))).toEqual(new Set(ids));
    for (const [i, id] of ids.entries()) {
      const dispatched = (await second.runtime.store.getHistory(id)).find((h) => h.event === 'dispatched')!;
      expect(dispatched.at - (base + i * 20)).toBeGreaterThanOrEqual(0);
      expect(dispatched.at - (base + i * 20)).toBeLessThan(500);
    }
  });
});
