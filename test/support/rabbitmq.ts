import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqplib from 'amqplib';
import { CHANNELS } from '../../src/message/channels.js';
import { topologyFor } from '../../src/broker/topology.js';

const run = promisify(execFile);

/** The RabbitMQ tests use. */
export const TEST_AMQP_URL = process.env.MISSIVE_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A prefix no other test uses, so each test has its own exchanges and queues. */
export function uniquePrefix(label = 't'): string {
  return `test-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Deletes every exchange and queue of a prefix. */
export async function deleteTopology(prefix: string): Promise<void> {
  const topology = topologyFor(prefix);
  const connection = await amqplib.connect(TEST_AMQP_URL);
  try {
    const channel = await connection.createChannel();
    for (const channelName of CHANNELS) await channel.deleteQueue(topology.queue(channelName));
    await channel.deleteQueue(topology.deadLetterQueue);
    await channel.deleteExchange(topology.exchange);
    await channel.deleteExchange(topology.deadLetterExchange);
    await channel.close();
  } finally {
    await connection.close();
  }
}

/** Runs `operate` on a channel of a connection of its own, as an operator's tool would. */
export async function onSideChannel<T>(operate: (channel: amqplib.Channel) => Promise<T>): Promise<T> {
  const connection = await amqplib.connect(TEST_AMQP_URL);
  try {
    const channel = await connection.createChannel();
    const result = await operate(channel);
    await channel.close();
    return result;
  } finally {
    await connection.close();
  }
}

/** A RabbitMQ URL on which nothing listens: port 1 of the loopback refuses every connection. */
export const UNREACHABLE_AMQP_URL = 'amqp://guest:guest@127.0.0.1:1';

/** Closes, from the broker's side, every connection whose client-provided name is `name`. */
export async function closeConnectionsNamed(name: string): Promise<number> {
  const { stdout } = await run('rabbitmqctl', ['list_connections', 'pid', 'client_properties', '-q']);
  // Tab-separated lines `<rabbit@host.N.N.N>\t[{"connection_name","…"},…]` after a header line;
  // this is the one pid form close_connection accepts back.
  const mine = stdout
    .split('\n')
    .filter((line) => line.startsWith('<') && line.includes(`{"connection_name","${name}"}`))
    .map((line) => line.split('\t')[0] as string);
  for (const pid of mine) await run('rabbitmqctl', ['close_connection', pid, 'closed by a Missive test', '-q']);
  return mine.length;
}

/** Reads up to `max` messages from a queue without a consumer. */
export async function drainQueue(queue: string, max = 1000): Promise<amqplib.GetMessage[]> {
  const connection = await amqplib.connect(TEST_AMQP_URL);
  try {
    const channel = await connection.createChannel();
    const messages: amqplib.GetMessage[] = [];
    for (let i = 0; i < max; i++) {
      const message = await channel.get(queue, { noAck: true });
      if (message === false) break;
      messages.push(message);
    }
    await channel.close();
    return messages;
  } finally {
    await connection.close();
  }
}
