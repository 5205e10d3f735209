import { afterEach, describe, expect, it } from 'vitest';
import { encodeWire } from '../../src/message/wire.js';
import { readOutbox, startTestMissive, type TestMissive } from '../support/missive.js';
import { closeConnectionsNamed, drainQueue } from '../support/rabbitmq.js';
import { STORE_KINDS } from '../support/stores.js';

describe.each(STORE_KINDS)('immediate delivery through RabbitMQ: %s', (kind) => {
  let missive: TestMissive;

  afterEach(async () => {
    await missive?.destroy();
  });

  it('delivers a sent message to the outbox and records it', async () => {
    missive = await startTestMissive(kind);
    const producer = await missive.runtime.producer();
    const receipt = await producer.send({ channel: 'email', to: 'a@example.com', subject: 'Hi', text: 'Hello', metadata: { n: 1 } });
    expect(receipt).toMatchObject({ status: 'queued', created: true });
    await expect.poll(() => readOutbox(missive.outboxPath).length).toBe(1);
    expect(readOutbox(missive.outboxPath)[0]).toMatchObject({
      id: receipt.id,
      channel: 'email',
      to: 'a@example.com',
      content: { subject: 'Hi', text: 'Hello' },
      provider: 'inbox',
      attempt: 1,
      delivery: { mode: 'immediate' },
      idempotencyKey: receipt.id,
    });
    await expect.poll(async () => (await missive.runtime.store.getMessage(receipt.id))?.status).toBe('delivered');
    const record = await missive.runtime.store.getMessage(receipt.id);
    expect(record).toMatchObject({ attempts: 1, lastProvider: 'inbox', providerMessageId: `outbox-${receipt.id}-1` });
    expect((await missive.runtime.store.getHistory(receipt.id)).map((h) => h.event)).toEqual(['accepted', 'delivered']);
  });

  it('sends once for an idempotency key sent twice, returning the first id', async () => {
    missive = await startTestMissive(kind);
    const producer = await missive.runtime.producer();
    const message = { channel: 'sms', to: '+14155550100', text: 'once', idempotencyKey: 'order-42' };
    const [first, second] = await Promise.all([producer.send(message), producer.send(message)]);
    const third = await producer.send(message);
    expect(second?.id).toBe(first?.id);
    expect(third.id).toBe(first?.id);
    expect([first?.created, second?.created, third.created].filter(Boolean)).toHaveLength(1);
    await expect.poll(() => readOutbox(missive.outboxPath).length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(readOutbox(missive.outboxPath)).toHaveLength(1);
    expect(readOutbox(missive.outboxPath)[0]?.idempotencyKey).toBe('order-42');
  });

  it('acknowledges a redelivered copy of a delivered message without sending it again', async () => {
    missive = await startTestMissive(kind);
    const producer = await missive.runtime.producer();
    const receipt = await producer.send({ channel: 'chat', to: '#ops', text: 'hi' });
    await expect.poll(async () => (await missive.runtime.store.getMessage(receipt.id))?.status).toBe('delivered');
    const record = await missive.runtime.store.getMessage(receipt.id);
    const broker = await missive.runtime.broker();
    await broker.publish('chat', encodeWire(record!), { messageId: receipt.id });
    await expect.poll(() => broker.queueDepth('chat')).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(readOutbox(missive.outboxPath)).toHaveLength(1);
    expect(await broker.queueDepth('dead-letter')).toBe(0);
  });

  it('dead-letters unparseable and unknown queue messages with a reason, and goes on', async () => {
    missive = await startTestMissive(kind);
    const broker = await missive.runtime.broker();
    await broker.publish('webhook', Buffer.from('{not json'), { messageId: 'junk-1' });
    await broker.publish('webhook', Buffer.from(JSON.stringify({ v: 1, id: 'nope', channel: 'webhook', to: 'x', content: {}, delivery: { mode: 'immediate' } })), { messageId: 'junk-2' });
    // An id PostgreSQL refuses outright (NUL in text): it once went back to the queue every second, for ever.
    await broker.publish('webhook', Buffer.from(JSON.stringify({ v: 1, id: 'x\u0000y', channel: 'webhook', to: 'x', content: {}, delivery: { mode: 'immediate' } })), { messageId: 'junk-3' });
    await expect.poll(() => broker.queueDepth('dead-letter')).toBe(3);
    const letters = await drainQueue(`${missive.prefix}.dead-letter`);
    const reasons = Object.fromEntries(letters.map((letter) => [String(letter.properties.messageId), String(letter.properties.headers?.['x-missive-reason'])]));
    expect(reasons['junk-1']).toMatch(/unreadable message: not JSON/);
    expect(reasons['junk-2']).toMatch(/unknown message id nope/);
    expect(reasons['junk-3']).toMatch(/unreadable message: not a Missive message: id: must hold printable characters only/);
    expect(await broker.queueDepth('webhook')).toBe(0);
    const producer = await missive.runtime.producer();
    const receipt = await producer.send({ channel: 'webhook', to: 'https://h.example/x', data: { ok: true } });
    await expect.poll(async () => (await missive.runtime.store.getMessage(receipt.id))?.status).toBe('delivered');
  });

  it('carries on producing and consuming when RabbitMQ drops the connection', async () => {
    missive = await startTestMissive(kind, { config: { scheduler: { relayAfterMs: 1000, lookAheadMs: 500 } } });
    const producer = await missive.runtime.producer();
    const before = await producer.send({ channel: 'email', to: 'a@example.com', subject: 's', text: 'before' });
    await expect.poll(() => readOutbox(missive.outboxPath).length).toBe(1);
    expect(await closeConnectionsNamed(`missive ${missive.runtime.processName}`)).toBe(1);
    // Sends during the outage are stored and relayed; sends after reconnect go straight through.
    const during = await producer.send({ channel: 'email', to: 'a@example.com', subject: 's', text: 'during' });
    const broker = await missive.runtime.broker();
    await expect.poll(() => broker.isConnected(), { timeout: 15_000 }).toBe(true);
    const after = await producer.send({ channel: 'email', to: 'a@example.com', subject: 's', text: 'after' });
    await expect
      .poll(() => readOutbox(missive.outboxPath).map((line) => line.id).sort(), { timeout: 20_000 })
      .toEqual([before.id, during.id, after.id].sort());
  });
});
