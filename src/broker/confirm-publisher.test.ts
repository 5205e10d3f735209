import { EventEmitter } from 'node:events';
import type { Message, Options } from 'amqplib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ConfirmChannelLike, ConfirmPublisher } from './confirm-publisher.js';
import { BrokerUnavailableError } from './errors.js';

/** A confirm channel whose buffer holds `room` writes until drained, and whose confirms the test gives. */
class FakeConfirmChannel extends EventEmitter implements ConfirmChannelLike {
  readonly written: { messageId: string | undefined; confirm: (error: unknown) => void }[] = [];
  constructor(public room = Number.POSITIVE_INFINITY) {
    super();
  }
  publish(_exchange: string, _routingKey: string, _content: Buffer, options: Options.Publish, confirmed: (error: unknown) => void): boolean {
    this.written.push({ messageId: options.messageId, confirm: confirmed });
    this.room--;
    return this.room > 0;
  }
  drain(room: number): void {
    this.room = room;
    this.emit('drain');
  }
}

/** Follows a promise's fate: `pending`, `resolved`, or the error it failed with. */
function track(promise: Promise<void>): { outcome: unknown } {
  const tracked: { outcome: unknown } = { outcome: 'pending' };
  promise.then(
    () => (tracked.outcome = 'resolved'),
    (error: unknown) => (tracked.outcome = error),
  );
  return tracked;
}

describe('ConfirmPublisher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves on the confirm and fails on a nack', async () => {
    const channel = new FakeConfirmChannel();
    const publisher = new ConfirmPublisher(channel);
    const ok = publisher.publish('x', 'chat', Buffer.from('{}'), { messageId: 'a' }, 10_000);
    const nacked = publisher.publish('x', 'chat', Buffer.from('{}'), { messageId: 'b' }, 10_000);
    channel.written[0]?.confirm(null);
    channel.written[1]?.confirm(new Error('message nacked'));
    await expect(ok).resolves.toBeUndefined();
    await expect(nacked).rejects.toThrow(/did not take the message: message nacked/);
  });

  it('fails a message RabbitMQ returned as unroutable, though its confirm follows', async () => {
    const channel = new FakeConfirmChannel();
    const unroutable: string[] = [];
    const publisher = new ConfirmPublisher(channel, (message) => unroutable.push(String(message.properties.messageId)));
    const lost = publisher.publish('x', 'sms', Buffer.from('{}'), { messageId: 'r' }, 10_000);
    channel.emit('return', { properties: { messageId: 'r' }, fields: {} } as unknown as Message);
    channel.written[0]?.confirm(null);
    await expect(lost).rejects.toThrow(/could not route the message/);
    expect(unroutable).toEqual(['r']);
  });

  it('holds publishes while the buffer is full and writes them once it drains', async () => {
    const channel = new FakeConfirmChannel(1);
    const publisher = new ConfirmPublisher(channel);
    const first = publisher.publish('x', 'chat', Buffer.from('{}'), { messageId: 'a' }, 10_000);
    const second = publisher.publish('x', 'chat', Buffer.from('{}'), { messageId: 'b' }, 10_000);
    await Promise.resolve();
    expect(channel.written.map((w) => w.messageId)).toEqual(['a']);
    channel.drain(10);
    await vi.advanceTimersByTimeAsync(0);
    expect(channel.written.map((w) => w.messageId)).toEqual(['a', 'b']);
    for (const w of channel.written) w.confirm(null);
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
  });

  it('releases publishes waiting for a full buffer as soon as the channel closes, never writing them', async () => {
    const channel = new FakeConfirmChannel(1);
    const publisher = new ConfirmPublisher(channel);
    void publisher.publish('x', 'chat', Buffer.from('{}'), { messageId: 'a' }, 60_000).catch(() => undefined);
    const waiting = track(publisher.publish('x', 'chat', Buffer.from('{}'), { messageId: 'b' }, 60_000));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(waiting.outcome).toBe('pending');
    channel.emit('close');
    await vi.advanceTimersByTimeAsync(0);
    expect(waiting.outcome).toBeInstanceOf(BrokerUnavailableError);
    expect((waiting.outcome as Error).message).toMatch(/channel closed/);
    expect(publisher.open).toBe(false);
    expect(channel.written.map((w) => w.messageId)).toEqual(['a']);
    await expect(publisher.publish('x', 'chat', Buffer.from('{}'), { messageId: 'c' }, 60_000)).rejects.toThrow(/channel is closed/);
  });

  it('counts the wait for a drain against the timeout, and sends nothing once it gave up', async () => {
    const channel = new FakeConfirmChannel(1);
    const publisher = new ConfirmPublisher(channel);
    void publisher.publish('x', 'chat', Buffer.from('{}'), { messageId: 'a' }, 10_000).catch(() => undefined);
    const waiting = track(publisher.publish('x', 'chat', Buffer.from('{}'), { messageId: 'b' }, 10_000));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(waiting.outcome).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect((waiting.outcome as Error).message).toMatch(/did not confirm within 10000 ms/);
    channel.drain(10);
    await vi.advanceTimersByTimeAsync(0);
    expect(channel.written.map((w) => w.messageId)).toEqual(['a']);
  });
});
