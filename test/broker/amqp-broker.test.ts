import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AmqpBroker } from '../../src/broker/amqp-broker.js';
import type { Delivery } from '../../src/broker/broker.js';
import { BrokerUnavailableError } from '../../src/broker/errors.js';
import { type Logger, silentLogger } from '../../src/core/logger.js';
import { closeConnectionsNamed, deleteTopology, drainQueue, onSideChannel, TEST_AMQP_URL, UNREACHABLE_AMQP_URL, uniquePrefix } from '../support/rabbitmq.js';

describe('AmqpBroker', () => {
  let prefix: string;
  let broker: AmqpBroker;

  beforeEach(async () => {
    prefix = uniquePrefix('broker');
    broker = await AmqpBroker.connect({ url: TEST_AMQP_URL, prefix, logger: silentLogger, connectionName: prefix });
    await broker.waitForConnection(5000);
  });

  afterEach(async () => {
    await broker.close();
    await deleteTopology(prefix);
  });

  it('publishes with confirms to the channel queue and consumes with acks', async () => {
    const received: Delivery[] = [];
    await broker.consume('sms', async (delivery) => {
      received.push(delivery);
      return { action: 'ack' };
    }, { prefetch: 10 });
    await broker.publish('sms', Buffer.from('{"a":1}'), { messageId: 'm1' });
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]).toMatchObject({ messageId: 'm1', redelivered: false });
    expect(received[0]?.body.toString()).toBe('{"a":1}');
    expect(await broker.queueDepth('sms')).toBe(0);
  });

  it('routes by channel: a message published for email does not reach the sms queue', async () => {
    await broker.publish('email', Buffer.from('x'), { messageId: 'e1' });
    expect(await broker.queueDepth('email')).toBe(1);
    expect(await broker.queueDepth('sms')).toBe(0);
  });

  it('dead-letters with the reason in a header', async () => {
    await broker.consume('chat', async () => ({ action: 'dead_letter', reason: 'not JSON' }), { prefetch: 1 });
    await broker.publish('chat', Buffer.from('garbage'), { messageId: 'bad' });
    await expect.poll(() => broker.queueDepth('dead-letter')).toBe(1);
    const [letter] = await drainQueue(`${prefix}.dead-letter`);
    expect(letter?.content.toString()).toBe('garbage');
    expect(letter?.properties.headers?.['x-missive-reason']).toBe('not JSON');
    expect(await broker.queueDepth('chat')).toBe(0);
  });

  it('requeues a delivery whose handler asks for it, and redelivers it flagged', async () => {
    const seen: boolean[] = [];
    await broker.consume('webhook', async (delivery) => {
      seen.push(delivery.redelivered);
      return seen.length === 1 ? { action: 'requeue' } : { action: 'ack' };
    }, { prefetch: 1 });
    await broker.publish('webhook', Buffer.from('{}'), { messageId: 'w1' });
    await expect.poll(() => seen).toEqual([false, true]);
  });

  it('settles deliveries that finish out of order, a requeued one among them, leaving nothing unacknowledged', async () => {
    // Its own broker, whose warnings are kept: acking a delivery twice (or one RabbitMQ does not
    // hold) would close the consumer's channel with a warning.
    await broker.close();
    const warnings: string[] = [];
    const keep = (_fields: object, message?: string) => void warnings.push(message ?? '');
    const logger: Logger = { debug: () => undefined, info: () => undefined, warn: keep, error: keep, child: () => logger };
    broker = await AmqpBroker.connect({ url: TEST_AMQP_URL, prefix, logger, connectionName: prefix });
    await broker.waitForConnection(5000);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    let requeued = false;
    await broker.consume('sms', async (delivery) => {
      const id = delivery.messageId ?? '';
      if (id === 'slow') await gate;
      handled.push(id);
      if (id === 'back' && !requeued) {
        requeued = true;
        return { action: 'requeue' };
      }
      return { action: 'ack' };
    }, { prefetch: 50 });
    const ids = ['slow', ...Array.from({ length: 20 }, (_, i) => `m${i}`), 'back'];
    for (const id of ids) await broker.publish('sms', Buffer.from('{}'), { messageId: id });
    // Everything after the held delivery is acked while the oldest is still in hand.
    await expect.poll(() => handled.filter((id) => id !== 'back').length).toBe(20);
    release();
    await expect.poll(() => handled.filter((id) => id === 'back').length).toBe(2);
    await expect.poll(() => handled.includes('slow')).toBe(true);
    await broker.close();
    // Had any delivery gone unacknowledged (or a multiple ack covered one in hand), closing the
    // consumer's channel would have put it back in the queue.
    const queue = await onSideChannel((channel) => channel.checkQueue(`${prefix}.sms`));
    expect(queue.messageCount).toBe(0);
    expect(handled.filter((id) => id === 'slow')).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it('carries on publishing and consuming after the broker closes its connection', async () => {
    const received: string[] = [];
    await broker.consume('email', async (delivery) => {
      received.push(delivery.messageId ?? '');
      return { action: 'ack' };
    }, { prefetch: 5 });
    await broker.publish('email', Buffer.from('{}'), { messageId: 'before' });
    await expect.poll(() => received).toEqual(['before']);
    expect(await closeConnectionsNamed(prefix)).toBe(1);
    await expect.poll(() => broker.isConnected(), { timeout: 10_000 }).toBe(false);
    await expect(broker.publish('email', Buffer.from('{}'), { messageId: 'during' })).rejects.toBeInstanceOf(BrokerUnavailableError);
    await expect.poll(() => broker.isConnected(), { timeout: 15_000 }).toBe(true);
    await broker.publish('email', Buffer.from('{}'), { messageId: 'after' });
    await expect.poll(() => received, { timeout: 10_000 }).toEqual(['before', 'after']);
  });

  it('reopens its confirm channel, declaring the topology again, after RabbitMQ closed it (the exchange deleted)', async () => {
    const received: string[] = [];
    await broker.consume('chat', async (delivery) => {
      received.push(delivery.messageId ?? '');
      return { action: 'ack' };
    }, { prefetch: 5 });
    await onSideChannel((channel) => channel.deleteExchange(`${prefix}.dispatch`));
    // RabbitMQ answers a publish to a missing exchange by closing the channel (404).
    await expect(broker.publish('chat', Buffer.from('{}'), { messageId: 'lost' })).rejects.toBeInstanceOf(BrokerUnavailableError);
    await expect.poll(() => broker.isConnected(), { timeout: 10_000 }).toBe(true);
    await broker.publish('chat', Buffer.from('{}'), { messageId: 'after' });
    await expect.poll(() => received, { timeout: 10_000 }).toEqual(['after']);
  });

  it('fails a publish RabbitMQ cannot route (the queue deleted) and resubscribes the consumer it cancelled', async () => {
    const received: string[] = [];
    await broker.consume('sms', async (delivery) => {
      received.push(delivery.messageId ?? '');
      return { action: 'ack' };
    }, { prefetch: 5 });
    await broker.publish('sms', Buffer.from('{}'), { messageId: 'before' });
    await expect.poll(() => received).toEqual(['before']);
    await onSideChannel((channel) => channel.deleteQueue(`${prefix}.sms`));
    // Confirmed yet dropped would lose it; failed, the store's relay publishes it again.
    await expect(broker.publish('sms', Buffer.from('{}'), { messageId: 'during' })).rejects.toThrow(/could not route/);
    await expect
      .poll(async () => {
        await broker.publish('sms', Buffer.from('{}'), { messageId: 'after' }).catch(() => undefined);
        return received.includes('after');
      }, { timeout: 10_000, interval: 300 })
      .toBe(true);
    expect(received).not.toContain('during');
  });

  it('settles every publish of a flood when RabbitMQ closes the channel under it, then publishes again', async () => {
    const patient = await AmqpBroker.connect({ url: TEST_AMQP_URL, prefix, logger: silentLogger, connectionName: `${prefix}-patient`, publishTimeoutMs: 60_000 });
    try {
      await patient.waitForConnection(5000);
      await onSideChannel((channel) => channel.deleteExchange(`${prefix}.dispatch`));
      const body = Buffer.alloc(256 * 1024, 'x');
      const flood = Array.from({ length: 200 }, (_, i) => patient.publish('email', body, { messageId: `f${i}` }));
      const outcome = await Promise.race([
        Promise.allSettled(flood).then((results) => results.map((r) => r.status)),
        new Promise((resolve) => setTimeout(() => resolve('still waiting'), 8_000)),
      ]);
      expect(outcome).toEqual(flood.map(() => 'rejected'));
      await expect.poll(() => patient.isConnected(), { timeout: 10_000 }).toBe(true);
      await expect(patient.publish('email', Buffer.from('{}'), { messageId: 'after' })).resolves.toBeUndefined();
    } finally {
      await patient.close();
    }
  });

  it('starts without RabbitMQ: publishing fails at once rather than waiting for it', async () => {
    const lonely = await AmqpBroker.connect({ url: UNREACHABLE_AMQP_URL, prefix, logger: silentLogger });
    try {
      const started = Date.now();
      await expect(lonely.publish('chat', Buffer.from('{}'), { messageId: 'm' })).rejects.toBeInstanceOf(BrokerUnavailableError);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(lonely.isConnected()).toBe(false);
      await expect(lonely.waitForConnection(300)).rejects.toThrow(/cannot reach RabbitMQ at amqp:\/\/guest:\*\*\*@127.0.0.1:1/);
    } finally {
      await lonely.close();
    }
    await expect(lonely.publish('chat', Buffer.from('{}'), { messageId: 'm' })).rejects.toBeInstanceOf(BrokerUnavailableError);
  });
});
