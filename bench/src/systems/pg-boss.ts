import PgBoss from 'pg-boss';
import { CONCURRENCY } from '../config/sizes.js';
import { seqOf, toData } from './codec.js';
import type { MessageData } from './codec.js';
import { dropSchema, dropSchemasStartingWith } from './pg-schema.js';
import type { BenchMessage, BenchSystem, MessageHandler, RunContext, SystemDefinition } from './system.js';

/** Every run's schema starts with this; `sweep` drops leftovers by it. */
const SCHEMA_PREFIX = 'bench_pgboss_';
/** Rows per `insert` call when pre-filling. */
const BULK_CHUNK = 1000;
const QUEUE = 'bench';

/** pg-boss in its own schema per run, at its default polling settings. */
class PgBossSystem implements BenchSystem {
  private readonly schema: string;
  private boss: PgBoss | undefined;
  private workerId: string | undefined;

  constructor(private readonly context: RunContext) {
    this.schema = `${SCHEMA_PREFIX}${context.runId}`;
  }

  async setup(): Promise<void> {
    const boss = new PgBoss({ connectionString: this.context.urls.postgres, schema: this.schema });
    // Without a listener pg-boss rethrows its background errors; record nothing, the run fails
    // through its own missing completions instead.
    boss.on('error', () => undefined);
    await boss.start();
    await boss.createQueue(QUEUE);
    this.boss = boss;
  }

  async startWorkers(handler: MessageHandler): Promise<void> {
    this.workerId = await this.requireBoss().work<MessageData>(
      QUEUE,
      { batchSize: this.context.concurrency },
      async (jobs) => {
        for (const job of jobs) handler(seqOf(job.data));
      },
    );
  }

  async stopWorkers(): Promise<void> {
    if (this.workerId === undefined) return;
    await this.requireBoss().offWork({ id: this.workerId });
    this.workerId = undefined;
  }

  async send(message: BenchMessage): Promise<void> {
    const options = message.dueAt === null ? {} : { startAfter: new Date(message.dueAt) };
    await this.requireBoss().send(QUEUE, toData(message), options);
  }

  async sendMany(messages: readonly BenchMessage[]): Promise<void> {
    const boss = this.requireBoss();
    for (let start = 0; start < messages.length; start += BULK_CHUNK) {
      const chunk = messages.slice(start, start + BULK_CHUNK);
      await boss.insert(
        chunk.map((message) => ({
          name: QUEUE,
          data: toData(message),
          ...(message.dueAt === null ? {} : { startAfter: new Date(message.dueAt) }),
        })),
      );
    }
  }

  async teardown(): Promise<void> {
    const boss = this.boss;
    this.boss = undefined;
    this.workerId = undefined;
    await boss?.stop({ graceful: false, wait: true }).catch(() => undefined);
    await dropSchema(this.context.urls.postgres, this.schema);
  }

  private requireBoss(): PgBoss {
    if (this.boss === undefined) throw new Error('pg-boss: setup() has not run');
    return this.boss;
  }
}

/** pg-boss with default polling; one `work()` fetching the shared concurrency per poll. */
export const pgBossSystem: SystemDefinition = {
  name: 'pg-boss',
  role: 'peer',
  services: ['postgres'],
  scheduling: true,
  settings: {
    enqueue: 'send per message',
    scheduled: 'startAfter = due time',
    'work batchSize': CONCURRENCY,
    pollingIntervalSeconds: '2 (default)',
    // pg-boss 10 waits out the polling interval after every fetch, full or not.
    'implied ceiling': `${CONCURRENCY} jobs per 2 s poll = ${CONCURRENCY / 2} msgs/s per work() call`,
    'queue policy': 'standard (default)',
    maintenance: 'defaults (supervise, schedule on)',
  },
  packages: ['pg-boss'],
  durability: (facts) =>
    `PostgreSQL table, committed per send (${facts.postgresDurability ?? 'settings not determined'})`,
  sweep: (urls) => dropSchemasStartingWith(urls.postgres, SCHEMA_PREFIX),
  create: (context) => new PgBossSystem(context),
};
