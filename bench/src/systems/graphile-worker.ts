import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import type { Runner, WorkerUtils } from 'graphile-worker';
import { seqOf, toData } from './codec.js';
import { dropSchema, dropSchemasStartingWith } from './pg-schema.js';
import type { BenchMessage, BenchSystem, MessageHandler, RunContext, SystemDefinition } from './system.js';

const TASK = 'bench';
/** Every run's schema starts with this; `sweep` drops leftovers by it. */
const SCHEMA_PREFIX = 'bench_graphile_';
/** Jobs per `addJobs` call when pre-filling. */
const BULK_CHUNK = 1000;
/**
 * graphile-worker runs one job per pool connection, and its pool defaults to 10 connections;
 * more concurrency than that only queues on the pool (it warns), so 10 is its comparable setting.
 */
const GRAPHILE_CONCURRENCY = 10;

/** graphile-worker logs to the console by default; the bench output is a table, so silence it. */
const silentLogger = new Logger(() => () => undefined);

/** graphile-worker in its own schema per run, with its defaults besides concurrency. */
class GraphileWorkerSystem implements BenchSystem {
  private readonly schema: string;
  private utils: WorkerUtils | undefined;
  private runner: Runner | undefined;

  constructor(private readonly context: RunContext) {
    this.schema = `${SCHEMA_PREFIX}${context.runId}`;
  }

  async setup(): Promise<void> {
    const utils = await makeWorkerUtils({
      connectionString: this.context.urls.postgres,
      schema: this.schema,
      logger: silentLogger,
    });
    this.utils = utils;
    await utils.migrate();
  }

  async startWorkers(handler: MessageHandler): Promise<void> {
    this.runner = await run({
      connectionString: this.context.urls.postgres,
      schema: this.schema,
      concurrency: GRAPHILE_CONCURRENCY,
      noHandleSignals: true,
      logger: silentLogger,
      taskList: {
        [TASK]: async (payload) => {
          handler(seqOf(payload));
        },
      },
    });
  }

  async stopWorkers(): Promise<void> {
    await this.runner?.stop();
    this.runner = undefined;
  }

  async send(message: BenchMessage): Promise<void> {
    const options = message.dueAt === null ? {} : { runAt: new Date(message.dueAt) };
    await this.requireUtils().addJob(TASK, toData(message), options);
  }

  async sendMany(messages: readonly BenchMessage[]): Promise<void> {
    const utils = this.requireUtils();
    for (let start = 0; start < messages.length; start += BULK_CHUNK) {
      const chunk = messages.slice(start, start + BULK_CHUNK);
      await utils.addJobs(
        chunk.map((message) => ({
          identifier: TASK,
          payload: toData(message),
          ...(message.dueAt === null ? {} : { runAt: new Date(message.dueAt) }),
        })),
      );
    }
  }

  async teardown(): Promise<void> {
    await this.stopWorkers().catch(() => undefined);
    const utils = this.utils;
    this.utils = undefined;
    await Promise.resolve(utils?.release()).catch(() => undefined);
    await dropSchema(this.context.urls.postgres, this.schema);
  }

  private requireUtils(): WorkerUtils {
    if (this.utils === undefined) throw new Error('graphile-worker: setup() has not run');
    return this.utils;
  }
}

/** graphile-worker with default polling and LISTEN/NOTIFY, concurrency at its pool size. */
export const graphileWorkerSystem: SystemDefinition = {
  name: 'graphile-worker',
  role: 'peer',
  services: ['postgres'],
  scheduling: true,
  settings: {
    enqueue: 'addJob per message (WorkerUtils)',
    scheduled: 'runAt = due time',
    concurrency: `${GRAPHILE_CONCURRENCY} (default 1; its pool holds 10 connections)`,
    pollInterval: '2000 ms (default; new jobs are also announced by LISTEN/NOTIFY)',
    maxPoolSize: '10 (default)',
  },
  packages: ['graphile-worker'],
  durability: (facts) =>
    `PostgreSQL table, committed per addJob (${facts.postgresDurability ?? 'settings not determined'})`,
  sweep: (urls) => dropSchemasStartingWith(urls.postgres, SCHEMA_PREFIX),
  create: (context) => new GraphileWorkerSystem(context),
};
