import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFileSchema } from '../../src/config/schema.js';
import type { Settings } from '../../src/config/settings.js';
import { createLogger } from '../../src/core/logger.js';
import type { OutboxLine } from '../../src/providers/outbox/outbox.js';
import { createBuiltinRegistry } from '../../src/providers/builtins.js';
import { type Role, type RunningRoles, startRoles } from '../../src/runtime/roles.js';
import { Runtime, type RuntimeOverrides } from '../../src/runtime/runtime.js';
import { deleteTopology, TEST_AMQP_URL, uniquePrefix } from './rabbitmq.js';
import { ScriptedProviderFactory, ScriptedVendor } from './scripted-provider.js';
import { createTestDatabase, type StoreKind, type TestDatabase } from './stores.js';

/** A Missive running in the test process against the real RabbitMQ and a real store. */
export interface TestMissive {
  runtime: Runtime;
  settings: Settings;
  database: TestDatabase;
  prefix: string;
  /** The outbox file of the default `inbox` provider. */
  outboxPath: string;
  /** The scripted vendor behind provider instances of type `scripted`. */
  vendor: ScriptedVendor;
  /** Stops the roles and closes the runtime (keeps the database and queues). */
  stop(): Promise<void>;
  /** Stops, then drops the database and deletes the queues. */
  destroy(): Promise<void>;
}

/** Options of {@link startTestMissive}. */
export interface TestMissiveOptions {
  roles?: readonly Role[];
  /** Config file content; providers default to an `inbox` outbox. */
  config?: Record<string, unknown>;
  /** Reuse a database (to restart on the same data). */
  database?: TestDatabase;
  /** Reuse a prefix (to restart on the same queues). */
  prefix?: string;
  vendor?: ScriptedVendor;
  overrides?: RuntimeOverrides;
  /** RabbitMQ to use instead of the test one (an unreachable one, say). */
  amqpUrl?: string;
}

/** Settings for a test: unique queues, the given database, fast retries. */
export function testSettings(database: TestDatabase, prefix: string, outboxPath: string, config: Record<string, unknown> = {}): Settings {
  const file = configFileSchema.parse({
    providers: { inbox: { type: 'outbox', path: outboxPath } },
    log: { level: process.env.MISSIVE_TEST_LOG_LEVEL ?? 'silent' },
    ...config,
    delivery: { retry: { baseMs: 50, capMs: 500 }, ...(config.delivery as object) },
    scheduler: { pollIntervalMs: 200, ...(config.scheduler as object) },
  });
  return {
    ...file,
    configPath: undefined,
    databaseUrl: database.url,
    amqpUrl: TEST_AMQP_URL,
    amqpPrefix: prefix,
    port: 0,
    apiKeys: [],
    pluginPaths: file.plugins,
  };
}

/** Starts Missive in this process with the given roles (default worker and scheduler). */
export async function startTestMissive(kind: StoreKind, options: TestMissiveOptions = {}): Promise<TestMissive> {
  const database = options.database ?? (await createTestDatabase(kind));
  const prefix = options.prefix ?? uniquePrefix(kind);
  const outboxPath = join(mkdtempSync(join(tmpdir(), 'missive-outbox-')), 'outbox.jsonl');
  const settings = { ...testSettings(database, prefix, outboxPath, options.config), ...(options.amqpUrl !== undefined && { amqpUrl: options.amqpUrl }) };
  const vendor = options.vendor ?? new ScriptedVendor();
  const registry = createBuiltinRegistry().register(new ScriptedProviderFactory(vendor));
  const runtime = await Runtime.open(settings, {
    registry,
    logger: createLogger({ level: settings.log.level }),
    processName: `${prefix}-${Math.random().toString(36).slice(2, 6)}`,
    ...options.overrides,
  });
  let roles: RunningRoles | undefined;
  try {
    roles = await startRoles(runtime, options.roles ?? ['worker', 'scheduler']);
  } catch (error) {
    await runtime.close();
    throw error;
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await roles?.stop();
    await runtime.close();
  };
  return {
    runtime,
    settings,
    database,
    prefix,
    outboxPath,
    vendor,
    stop,
    destroy: async () => {
      await stop();
      await database.drop();
      await deleteTopology(prefix);
    },
  };
}

/** The lines of an outbox file (none if it does not exist yet). */
export function readOutbox(path: string): OutboxLine[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OutboxLine);
}
