import { rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'amqplib';
import pg from 'pg';
import { sql } from 'kysely';
import { z } from 'zod';
import { configFileSchema } from '../../../src/config/schema.js';
import type { Settings } from '../../../src/config/settings.js';
import { createLogger } from '../../../src/core/logger.js';
import { CHANNELS } from '../../../src/message/channels.js';
import type { Producer } from '../../../src/producer/producer.js';
import { createBuiltinRegistry } from '../../../src/providers/builtins.js';
import type { OutgoingMessage, Provider, ProviderContext, ProviderFactory } from '../../../src/providers/provider.js';
import { type RunningRoles, startRoles } from '../../../src/runtime/roles.js';
import { Runtime } from '../../../src/runtime/runtime.js';
import type { BenchMessage, BenchSystem, MessageHandler, RunContext, ServiceUrls, SystemDefinition } from './system.js';

type Store = 'sqlite' | 'postgres';

/** A provider that hands each message to the harness: the user's handler, as for every peer. */
class HarnessProviderFactory implements ProviderFactory<Record<string, never>> {
  readonly type = 'bench-harness';
  readonly channels = ['chat'] as const;
  readonly optionsSchema = z.strictObject({});
  handler: MessageHandler | undefined;

  create(_options: Record<string, never>, context: ProviderContext): Provider {
    return {
      name: context.name,
      type: this.type,
      channels: this.channels,
      send: async (message: OutgoingMessage) => {
        const text = message.content.text ?? '';
        this.handler?.(Number(text.slice(0, text.indexOf('|'))));
        return { providerMessageId: message.id };
      },
    };
  }
}

const prefixOf = (runId: string) => `bench-missive-${runId}`;
const schemaOf = (runId: string) => `bench_missive_${runId}`;
const sqliteDirOf = (runId: string) => join(tmpdir(), `missive-bench-${runId}`);

/** Missive as a user runs it: producer.send() in, a worker and the scheduler out, one process. */
class MissiveSystem implements BenchSystem {
  readonly #factory = new HarnessProviderFactory();
  #runtime: Runtime | undefined;
  #producer: Producer | undefined;
  #roles: RunningRoles | undefined;
  readonly #loopDelay = monitorEventLoopDelay({ resolution: 5 });

  constructor(
    private readonly context: RunContext,
    private readonly store: Store,
  ) {}

  async setup(): Promise<void> {
    const file = configFileSchema.parse({
      providers: { harness: { type: 'bench-harness' } },
      log: { level: 'silent' },
      worker: { prefetch: this.context.concurrency },
    });
    const { runId, urls } = this.context;
    const databaseUrl =
      this.store === 'sqlite'
        ? `sqlite:${join(sqliteDirOf(runId), 'missive.db')}`
        : `${urls.postgres}${urls.postgres.includes('?') ? '&' : '?'}schema=${schemaOf(runId)}`;
    const settings: Settings = {
      ...file,
      configPath: undefined,
      databaseUrl,
      amqpUrl: urls.amqp,
      amqpPrefix: prefixOf(runId),
      port: 0,
      apiKeys: [],
      pluginPaths: [],
    };
    const registry = createBuiltinRegistry().register(this.#factory as ProviderFactory);
    this.#runtime = await Runtime.open(settings, { registry, logger: createLogger({ level: 'silent' }) });
    this.#producer = await this.#runtime.producer();
  }

  async startWorkers(handler: MessageHandler): Promise<void> {
    this.#factory.handler = handler;
    this.#loopDelay.reset();
    this.#loopDelay.enable();
    this.#roles = await startRoles(this.#requireRuntime(), ['worker', 'scheduler']);
  }

  async stopWorkers(): Promise<void> {
    await this.#roles?.stop();
    this.#roles = undefined;
    this.#factory.handler = undefined;
  }

  async send(message: BenchMessage): Promise<void> {
    const producer = this.#producer;
    if (!producer) throw new Error('setup() has not run');
    await producer.send({
      channel: 'chat',
      to: '#bench',
      text: `${message.seq}|${message.payload}`,
      ...(message.dueAt !== null && { delivery: { mode: 'scheduled', at: new Date(message.dueAt).toISOString() } }),
    });
  }

  /**
   * What only Missive can see: how late its scheduler published each scheduled message (the
   * handler's lateness adds the trip through RabbitMQ and the worker), and how fast it dispatched.
   */
  async internalMetrics(): Promise<Readonly<Record<string, number>>> {
    const db = this.#requireRuntime().store.context.db;
    const { rows } = await sql<{ late: number | string; at: number | string }>`
      SELECT dispatched_at - scheduled_at AS late, dispatched_at AS at
      FROM messages WHERE dispatched_at IS NOT NULL AND scheduled_at IS NOT NULL`.execute(db);
    this.#loopDelay.disable();
    const loop = {
      'event-loop delay p99 ms': this.#loopDelay.percentile(99) / 1e6,
      'event-loop delay max ms': this.#loopDelay.max / 1e6,
    };
    if (rows.length === 0) return loop;
    const late = rows.map((row) => Number(row.late)).sort((a, b) => a - b);
    const times = rows.map((row) => Number(row.at));
    const spanMs = Math.max(...times) - Math.min(...times);
    const at = (q: number) => late[Math.min(late.length - 1, Math.floor(q * late.length))] ?? 0;
    return {
      'dispatch lateness p50 ms': at(0.5),
      'dispatch lateness p99 ms': at(0.99),
      'dispatch lateness max ms': late.at(-1) ?? 0,
      ...(spanMs > 0 && { 'dispatch rate msgs/s': (rows.length / spanMs) * 1000 }),
      ...loop,
    };
  }

  async teardown(): Promise<void> {
    await this.#roles?.stop().catch(() => undefined);
    await this.#runtime?.close().catch(() => undefined);
    await removeTopology(this.context.urls, prefixOf(this.context.runId));
    if (this.store === 'sqlite') rmSync(sqliteDirOf(this.context.runId), { recursive: true, force: true });
    else await dropSchema(this.context.urls, schemaOf(this.context.runId));
  }

  #requireRuntime(): Runtime {
    if (!this.#runtime) throw new Error('setup() has not run');
    return this.#runtime;
  }
}

async function removeTopology(urls: ServiceUrls, prefix: string): Promise<void> {
  const model = await connect(urls.amqp);
  try {
    const channel = await model.createChannel();
    for (const name of [...CHANNELS, 'dead-letter']) await channel.deleteQueue(`${prefix}.${name}`);
    await channel.deleteExchange(`${prefix}.dispatch`);
    await channel.deleteExchange(`${prefix}.dead-letter`);
    await channel.close();
  } finally {
    await model.close();
  }
}

async function dropSchema(urls: ServiceUrls, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: urls.postgres });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

function definition(name: string, store: Store): SystemDefinition {
  return {
    name,
    role: 'subject',
    services: store === 'sqlite' ? ['rabbitmq'] : ['rabbitmq', 'postgres'],
    scheduling: true,
    settings: {
      store: store === 'sqlite' ? 'SQLite (WAL; acceptance synchronous=FULL, claims and outcomes NORMAL)' : 'PostgreSQL',
      prefetch: 100,
      'scheduler look-ahead': '2 s',
      'scheduler poll': '1 s (+ wake-ups)',
    },
    packages: [],
    durability: (facts) =>
      store === 'sqlite'
        ? 'RabbitMQ persistent + confirms; SQLite WAL, acceptance synced in full (survives power loss), claims and outcomes at synchronous=NORMAL (survive a process crash)'
        : `RabbitMQ persistent + confirms; PostgreSQL (${facts.postgresDurability ?? '?'})`,
    create: (context) => new MissiveSystem(context, store),
  };
}

/** Missive on PostgreSQL (scale-out setup). */
export const missiveSystem: SystemDefinition = definition('missive', 'postgres');

/** Missive on SQLite (the embedded default). */
export const missiveSqliteSystem: SystemDefinition = definition('missive-sqlite', 'sqlite');
