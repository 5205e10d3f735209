import type { Channel as AmqpChannel, ChannelModel } from 'amqplib';
import { CHANNELS } from '../message/channels.js';
import type { Topology } from './topology.js';

/** First and longest pause before reopening a channel RabbitMQ closed on a live connection, in ms. */
const REOPEN_DELAY_MS = { first: 200, max: 5_000 };

/** The pause before the `attempt`-th try (1-based) to reopen a channel: doubling, capped. */
export function reopenDelay(attempt: number): number {
  return Math.min(REOPEN_DELAY_MS.max, REOPEN_DELAY_MS.first * 2 ** Math.min(Math.max(attempt - 1, 0), 16));
}

/** Declares the exchanges and queues; idempotent, so every process may run it, as often as needed. */
export async function declareTopology(channel: AmqpChannel, topology: Topology): Promise<void> {
  await channel.assertExchange(topology.exchange, 'direct', { durable: true });
  await channel.assertExchange(topology.deadLetterExchange, 'fanout', { durable: true });
  await channel.assertQueue(topology.deadLetterQueue, { durable: true });
  await channel.bindQueue(topology.deadLetterQueue, topology.deadLetterExchange, '');
  for (const channelName of CHANNELS) {
    const queue = topology.queue(channelName);
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-dead-letter-exchange': topology.deadLetterExchange } });
    await channel.bindQueue(queue, topology.exchange, channelName);
  }
}

/**
 * Makes the connection send what it writes within one turn of the event loop as one socket write.
 * amqplib writes every frame (each publish, each ack) to the socket as it comes, which costs a
 * system call apiece; at thousands of messages a second those calls cost more than the rest of
 * the work. Corking for the turn keeps the order and adds no delay beyond the turn. It reaches
 * into amqplib's connection for its socket; without one it changes nothing.
 */
export function coalesceWrites(model: ChannelModel): void {
  const stream = (model.connection as { stream?: unknown }).stream as
    | { write: (...args: unknown[]) => boolean; cork?: () => void; uncork?: () => void }
    | undefined;
  if (!stream || typeof stream.cork !== 'function' || typeof stream.uncork !== 'function') return;
  const write = stream.write.bind(stream);
  const cork = stream.cork.bind(stream);
  const uncork = stream.uncork.bind(stream);
  let corked = false;
  stream.write = (...args: unknown[]) => {
    if (!corked) {
      corked = true;
      cork();
      process.nextTick(() => {
        corked = false;
        uncork();
      });
    }
    return write(...args);
  };
}
