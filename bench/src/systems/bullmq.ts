import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { CONCURRENCY } from '../config/sizes.js';
import { seqOf, toData } from './codec.js';
import type { MessageData } from './codec.js';
import type { BenchMessage, BenchSystem, MessageHandler, RunContext, ServiceUrls, SystemDefinition } from './system.js';

/** Every bench key lives under this prefix, so leftovers are easy to find. */
const KEY_PREFIX = 'bench';
/** Jobs per `addBulk` call when pre-filling. */
const BULK_CHUNK = 1000;

/** BullMQ on Redis: `Queue.add` per message, one `Worker` with the shared concurrency. */
class BullmqSystem implements BenchSystem {
  private readonly queueName: string;
  private readonly connection: { host: string; port: number; maxRetriesPerRequest: null };
  private queue: Queue<MessageData> | undefined;
  private worker: Worker<MessageData> | undefined;

  constructor(private readonly context: RunContext) {
    this.queueName = `q-${context.runId}`;
    const url = new URL(context.urls.redis);
    // Workers need maxRetriesPerRequest: null (BullMQ insists), the Queue accepts it as well.
    this.connection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
  }

  async setup(): Promise<void> {
    this.queue = new Queue<MessageData>(this.queueName, { connection: this.connection, prefix: KEY_PREFIX });
    await this.queue.waitUntilReady();
  }

  async startWorkers(handler: MessageHandler): Promise<void> {
    this.worker = new Worker<MessageData>(
      this.queueName,
      async (job) => {
        handler(seqOf(job.data));
      },
      { connection: this.connection, prefix: KEY_PREFIX, concurrency: this.context.concurrency },
    );
    await this.worker.waitUntilReady();
  }

  async stopWorkers(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
  }

  async send(message: BenchMessage): Promise<void> {
    await this.requireQueue().add('m', toData(message), delayOf(message));
  }

  async sendMany(messages: readonly BenchMessage[]): Promise<void> {
    const queue = this.requireQueue();
    for (let start = 0; start < messages.length; start += BULK_CHUNK) {
      const chunk = messages.slice(start, start + BULK_CHUNK);
      await queue.addBulk(chunk.map((message) => ({ name: 'm', data: toData(message), opts: delayOf(message) })));
    }
  }

  async teardown(): Promise<void> {
    await this.stopWorkers().catch(() => undefined);
    const queue =
      this.queue ?? new Queue<MessageData>(this.queueName, { connection: this.connection, prefix: KEY_PREFIX });
    this.queue = undefined;
    try {
      await queue.obliterate({ force: true });
    } finally {
      await queue.close();
    }
  }

  private requireQueue(): Queue<MessageData> {
    if (this.queue === undefined) throw new Error('bullmq: setup() has not run');
    return this.queue;
  }
}

/** BullMQ takes a delay relative to now, not a time: convert at the moment of sending. */
function delayOf(message: BenchMessage): { delay?: number } {
  return message.dueAt === null ? {} : { delay: Math.max(0, message.dueAt - Date.now()) };
}

/** Deletes every key under the bench prefix (what interrupted runs left behind). */
async function sweepKeys(urls: ServiceUrls): Promise<void> {
  const redis = new Redis(urls.redis, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined); // connect() rejects with it
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${KEY_PREFIX}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** BullMQ with default job options and a Worker of the shared concurrency. */
export const bullmqSystem: SystemDefinition = {
  name: 'bullmq',
  role: 'peer',
  services: ['redis'],
  scheduling: true,
  settings: {
    enqueue: 'Queue.add per message',
    scheduled: 'delay = due time − now',
    'worker concurrency': CONCURRENCY,
    'job options': 'defaults (completed jobs kept)',
  },
  packages: ['bullmq', 'ioredis'],
  durability: (facts) =>
    facts.redisPersistent === false
      ? 'Redis without persistence on this machine: a Redis restart loses every queued job'
      : facts.redisPersistent === true
        ? 'as durable as Redis persistence (RDB/AOF, enabled here)'
        : 'as durable as Redis persistence (not determined)',
  sweep: sweepKeys,
  create: (context) => new BullmqSystem(context),
};
