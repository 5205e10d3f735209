import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchRunnerFor, batchServiceFor, batchStoreFor } from '../../src/batch/role.js';
import type { BatchRunner, BatchRunnerOptions } from '../../src/batch/runner/batch-runner.js';
import type { BatchService } from '../../src/batch/service.js';
import type { BatchStore } from '../../src/batch/store.js';
import type { BatchView } from '../../src/batch/view.js';
import { createLogger } from '../../src/core/logger.js';
import { createBuiltinRegistry } from '../../src/providers/builtins.js';
import { Runtime, type RuntimeOverrides } from '../../src/runtime/runtime.js';
import { testSettings } from '../support/missive.js';
import { uniquePrefix } from '../support/rabbitmq.js';
import { ScriptedProviderFactory, ScriptedVendor } from '../support/scripted-provider.js';
import { createTestDatabase, type StoreKind, type TestDatabase } from '../support/stores.js';

/** A runtime for batch tests: a real store, the scripted vendor, no broker (the runner needs none). */
export interface BatchHarness {
  runtime: Runtime;
  service: BatchService;
  store: BatchStore;
  vendor: ScriptedVendor;
  database: TestDatabase;
  /** Makes a runner on this runtime (not started), stopped by `close`. */
  runner(options?: BatchRunnerOptions): Promise<BatchRunner>;
  /** Stops the runners made and closes the runtime (keeps the database). */
  close(): Promise<void>;
  /** Closes, then drops the database. */
  destroy(): Promise<void>;
}

/** Opens a batch harness; `config` is the config file (default one `scripted` provider named `vendor`). */
export async function openBatchHarness(
  kind: StoreKind,
  options: { config?: Record<string, unknown>; database?: TestDatabase; vendor?: ScriptedVendor; overrides?: RuntimeOverrides } = {},
): Promise<BatchHarness> {
  const database = options.database ?? (await createTestDatabase(kind));
  const outbox = join(mkdtempSync(join(tmpdir(), 'missive-batch-')), 'outbox.jsonl');
  const config = { providers: { vendor: { type: 'scripted' } }, ...options.config };
  const settings = testSettings(database, uniquePrefix('batch'), outbox, config);
  const vendor = options.vendor ?? new ScriptedVendor();
  const runtime = await Runtime.open(settings, {
    registry: createBuiltinRegistry().register(new ScriptedProviderFactory(vendor)),
    logger: createLogger({ level: settings.log.level }),
    processName: `batch-test-${Math.random().toString(36).slice(2, 8)}`,
    ...options.overrides,
  });
  const runners: BatchRunner[] = [];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const runner of runners) await runner.stop();
    await runtime.close();
  };
  return {
    runtime,
    service: batchServiceFor(runtime),
    store: batchStoreFor(runtime),
    vendor,
    database,
    runner: async (runnerOptions = {}) => {
      const runner = await batchRunnerFor(runtime, { pollIntervalMs: 100, ...runnerOptions });
      runners.push(runner);
      return runner;
    },
    close,
    destroy: async () => {
      await close();
      await database.drop();
    },
  };
}

/** A CSV of `count` chat recipients `#r1`, `#r2`, … with a `name` column. */
export function chatCsv(count: number): string {
  const lines = ['to,name'];
  for (let i = 1; i <= count; i++) lines.push(`#r${i},name${i}`);
  return `${lines.join('\n')}\n`;
}

/** A template for chat items. */
export const chatTemplate = { channel: 'chat', text: 'Hello {{ name }}' } as const;

/** Waits until the batch's view satisfies `done`, polling; returns that view. */
export async function waitForBatch(
  service: BatchService,
  id: string,
  done: (view: BatchView) => boolean,
  timeoutMs = 15_000,
): Promise<BatchView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await service.get(id);
    if (done(view)) return view;
    if (Date.now() > deadline) throw new Error(`batch ${id} did not get there in time: ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
